/**
 * The publishing rules, without a database: which change each decision
 * makes (announced update, silent touch, delete, nothing) and which events it
 * carries, with which fields.
 */
import { describe, expect, it } from "vitest";
import { TRUST_WEIGHTS } from "../domain/trust.js";
import { T0, agent } from "../store/contract-fixtures.js";
import type { AgentRow, ReportCount } from "../store/store.js";
import type { ProbeCounters } from "../domain/probes.js";
import {
  DECAY_REASON,
  decideCardUpdate,
  decideDecay,
  decideDeregistration,
  decideHeartbeat,
  decideProbeCredit,
  decideProbeTransition,
  decideReap,
  decideRegistration,
  decideReport,
  decideSweep,
  type Change,
  type DecideConfig,
} from "./decide.js";

const config: DecideConfig = { heartbeatIntervalMs: 10_000, offlineAfterMs: 30_000, trustStep: 0.01, deregisterAfterMs: 3_600_000 };
const now = T0 + 100_000;

/** The events of a change as clients will read them. */
const events = (change: Change | null) => (change?.commit.events ?? []).map((e) => ({ type: e.type, agentId: e.agentId, at: e.at, ...JSON.parse(e.payload) }));
const op = (change: Change | null) => change?.commit.mutation.op;

/** An agent that heartbeats every 10 s and was last heard from 10 s ago. */
const beating = (over: Partial<AgentRow> = {}) =>
  agent("a", { health_status: "healthy", reported_status: "healthy", last_heartbeat_at: now - 10_000, healthy_since: T0, revision: 5, trust_score: 0.5, trust_raw: 0.5, ...over });

describe("heartbeats", () => {
  it("the first one is announced as a health change caused by a heartbeat, and earns no trust yet", () => {
    const row = agent("a");
    const change = decideHeartbeat(row, {}, now, config);
    expect(op(change)).toBe("update");
    expect(change.next).toMatchObject({ health_status: "healthy", last_heartbeat_at: now, healthy_since: now, revision: 2, updated_at: now, trust_raw: 0.5 });
    expect(events(change)).toEqual([
      expect.objectContaining({ type: "agent_health_changed", agent_id: "a", source: "heartbeat", status: "healthy", previous_status: "unknown", message: null }),
    ]);
    expect(events(change)[0].agent).toMatchObject({ revision: 2, health_status: "healthy" });
    expect(change.commit.healthHistory).toEqual([{ agentId: "a", at: now, status: "healthy", previousStatus: "unknown", message: null, source: "heartbeat" }]);
    expect(change.commit.trustHistory).toBeUndefined();
  });

  it("one that changes nothing public is a silent touch: liveness and exact trust, no revision, no event", () => {
    const row = beating();
    const change = decideHeartbeat(row, {}, now, config);
    expect(change.commit).toEqual({
      mutation: {
        op: "touch",
        id: "a",
        lastHeartbeatAt: now,
        trustRaw: 0.5 + TRUST_WEIGHTS.punctualHeartbeat * 0.5,
        trustUpdatedAt: now,
        expect: { revision: 5, lastHeartbeatAt: now - 10_000, reportsWindow: { start: 0, weight: 0 }, cardRefreshAt: null },
      },
      events: [],
    });
    expect(change.next).toEqual({ ...row, last_heartbeat_at: now, trust_raw: 0.5 + TRUST_WEIGHTS.punctualHeartbeat * 0.5, trust_updated_at: now });
  });

  it("a late one restarts the healthy run through the touch, and only then names it", () => {
    const change = decideHeartbeat(beating({ last_heartbeat_at: now - 16_000 }), {}, now, config);
    expect(change.commit.mutation).toMatchObject({ op: "touch", healthySince: now, trustRaw: 0.5 });
    expect(change.commit.events).toEqual([]);
  });

  it("reporting unhealthy gives two events with one snapshot: the health change, then the trust loss", () => {
    const change = decideHeartbeat(beating(), { status: "unhealthy", message: "disk full" }, now, config);
    const [health, trust] = events(change);
    expect(health).toMatchObject({ type: "agent_health_changed", source: "heartbeat", status: "unhealthy", previous_status: "healthy", message: "disk full" });
    expect(trust).toMatchObject({ type: "trust_score_changed", previous_score: 0.5, reason: "reported unhealthy", tier: "experimental" });
    expect(trust.score).toBeCloseTo(0.5 * 0.97 + 0.002 * 0.5 * 0.97, 4);
    expect(health.agent).toEqual(trust.agent);
    expect(change.next).toMatchObject({ revision: 6, health_message: "disk full", healthy_since: null, trust_score: trust.score });
    expect(change.commit.trustHistory).toEqual([{ agentId: "a", at: now, score: trust.score, tier: "experimental", reason: "reported unhealthy" }]);
  });

  it("a trust move that reaches the step is announced alone, as a trust change", () => {
    const change = decideHeartbeat(beating({ trust_raw: 0.5099 }), {}, now, config);
    expect(events(change).map((e) => e.type)).toEqual(["trust_score_changed"]);
    expect(events(change)[0]).toMatchObject({ previous_score: 0.5, reason: "punctual heartbeats" });
    expect(change.next.revision).toBe(6);
  });

  it("events carry the public snapshot only: no token hash, no exact score", () => {
    const change = decideHeartbeat(beating({ token_hash: "secret-hash-value" }), { status: "degraded" }, now, config);
    for (const e of change.commit.events) {
      expect(e.payload).not.toContain("secret-hash-value");
      expect(e.payload).not.toContain("trust_raw");
    }
  });
});

describe("the sweep", () => {
  it("leaves an agent alone until offline_after of silence, then marks it offline, caused by the sweep", () => {
    const row = beating({ last_heartbeat_at: now - 29_999 });
    expect(decideSweep(row, now, config)).toBeNull();
    const change = decideSweep({ ...row, last_heartbeat_at: now - 30_000 }, now, config)!;
    const [health, trust] = events(change);
    expect(health).toMatchObject({ type: "agent_health_changed", source: "sweep", status: "offline", previous_status: "healthy", message: "no heartbeat for 30s" });
    expect(trust).toMatchObject({ type: "trust_score_changed", reason: "went offline", score: 0.475 });
    expect(change.next).toMatchObject({ health_status: "offline", health_message: null, healthy_since: null, revision: 6 });
    expect(change.commit.mutation).toMatchObject({ op: "update", expect: { revision: 5, lastHeartbeatAt: now - 30_000 } });
  });

  it("counts silence from registration for an agent that never heartbeated, and never sweeps an offline one twice", () => {
    expect(decideSweep(agent("q", { created_at: now - 30_000 }), now, config)).not.toBeNull();
    expect(decideSweep(agent("q", { created_at: now - 29_000 }), now, config)).toBeNull();
    expect(decideSweep(beating({ health_status: "offline", last_heartbeat_at: now - 99_000 }), now, config)).toBeNull();
  });
});

describe("probe transitions", () => {
  const failed = { kind: "http" as const, ok: false, latency_ms: 5000, error: "timeout: no answer in 5000ms" };
  const passed = { kind: "http" as const, ok: true, latency_ms: 3, status_code: 200 };
  const probeConfig = { kind: "http" as const, url: "http://127.0.0.1:9/healthz", interval_ms: 30_000, timeout_ms: 5000, failures: 3, successes: 2 };
  const counters = (over: Partial<ProbeCounters> = {}): ProbeCounters => ({ state: "failing", consecutiveFailures: 3, consecutiveSuccesses: 0, failingSince: now - 60_000, lastOkAt: now - 61_000, ...over });
  const probed = (over: Partial<AgentRow> = {}) => beating({ probe: probeConfig, probe_state: "passing", probe_last_ok_at: now - 61_000, ...over });

  it("a heartbeating agent whose probe starts failing is unhealthy, announced as caused by the probe with its result; the last heartbeat stays", () => {
    const change = decideProbeTransition(probed(), { to: "failing", counters: counters(), probe: failed }, now, config)!;
    const [health, trust] = events(change);
    const reason = `heartbeat says healthy; probe failing since ${new Date(now - 60_000).toISOString()}: timeout: no answer in 5000ms`;
    expect(health).toMatchObject({ type: "agent_health_changed", source: "probe", probe: failed, status: "unhealthy", previous_status: "healthy", message: reason });
    expect(health.agent).toMatchObject({ health_reason: reason, probe: { kind: "http", state: "failing", failing_since: new Date(now - 60_000).toISOString() } });
    expect(trust).toMatchObject({ type: "trust_score_changed", reason: "probe found it unhealthy" });
    expect(change.next).toMatchObject({ last_heartbeat_at: now - 10_000, healthy_since: null, probe_state: "failing", probe_error: failed.error, revision: 6 });
    expect(change.commit.healthHistory).toEqual([{ agentId: "a", at: now, status: "unhealthy", previousStatus: "healthy", message: reason, source: "probe", probe: failed }]);
  });

  it("a recovery gives back what the heartbeat says, and costs no trust", () => {
    const failing = probed({ health_status: "unhealthy", probe_state: "failing", probe_failing_since: now - 60_000, reported_status: "healthy" });
    const back = decideProbeTransition(failing, { to: "passing", counters: counters({ state: "passing", consecutiveFailures: 0, consecutiveSuccesses: 2, failingSince: null, lastOkAt: now }), probe: passed }, now, config)!;
    expect(events(back).map((e) => [e.type, e.source])).toEqual([["agent_health_changed", "probe"]]);
    expect(back.next).toMatchObject({ health_status: "healthy", health_reason: "heartbeat says healthy", healthy_since: T0, probe_state: "passing", probe_error: null, probe_last_ok_at: now, trust_raw: 0.5 });
  });

  it("a state change that leaves the status as it is is announced as agent_updated naming `probe`", () => {
    const first = decideProbeTransition(probed({ probe_state: "unknown", probe_last_ok_at: null }), { to: "passing", counters: counters({ state: "passing", consecutiveFailures: 0, consecutiveSuccesses: 1, failingSince: null, lastOkAt: now }), probe: passed }, now, config)!;
    expect(events(first).map((e) => [e.type, e.changed])).toEqual([["agent_updated", ["probe"]]]);
    expect(first.next).toMatchObject({ health_status: "healthy", probe_state: "passing", revision: 6 });
    expect(events(first)[0].agent.probe).toEqual({ kind: "http", state: "passing", failing_since: null, last_ok_at: new Date(now).toISOString() });
  });

  it("is nothing when the agent already has that state (offered again after a crash) or has no probe any more", () => {
    expect(decideProbeTransition(probed({ probe_state: "failing" }), { to: "failing", counters: counters(), probe: failed }, now, config)).toBeNull();
    expect(decideProbeTransition(beating(), { to: "failing", counters: counters(), probe: failed }, now, config)).toBeNull();
  });

  it("an agent that never heartbeats is healthy on its probe alone, unhealthy when it fails", () => {
    const silent = agent("p", { created_at: now - 5000, probe: probeConfig, probe_state: "unknown" });
    const up = decideProbeTransition(silent, { to: "passing", counters: counters({ state: "passing", consecutiveFailures: 0, consecutiveSuccesses: 1, failingSince: null, lastOkAt: now }), probe: passed }, now, config)!;
    expect(up.next).toMatchObject({ health_status: "healthy", health_reason: "probe passing" });
    expect(events(up)[0]).toMatchObject({ type: "agent_health_changed", source: "probe", previous_status: "unknown", status: "healthy" });
    const down = decideProbeTransition(up.next, { to: "failing", counters: counters({ lastOkAt: now - 1000 }), probe: failed }, now + 1000, config)!;
    expect(down.next).toMatchObject({ health_status: "unhealthy" });
  });
});

describe("heartbeats and sweeps with a probe", () => {
  const probeConfig = { kind: "tcp" as const, host: "127.0.0.1", port: 9, interval_ms: 30_000, timeout_ms: 5000, failures: 3, successes: 2 };

  it("a heartbeat saying healthy while the probe fails is unhealthy, and what it said is kept for the recovery", () => {
    const row = beating({ health_status: "unhealthy", reported_status: "degraded", probe: probeConfig, probe_state: "failing", probe_failing_since: now - 50_000 });
    const change = decideHeartbeat(row, { status: "healthy" }, now, config);
    // The status stays unhealthy: nothing public moves, but the new report is kept (a quiet whole-row write).
    expect(change.commit.events).toEqual([]);
    expect(change.commit.mutation).toMatchObject({ op: "update", row: { reported_status: "healthy", health_status: "unhealthy", revision: 5 } });
  });

  it("a sweep makes an agent that stopped heartbeating degraded while its probe passes, and offline only without heartbeat or successful probe", () => {
    const stopped = beating({ last_heartbeat_at: now - 40_000, probe: probeConfig, probe_state: "passing", probe_last_ok_at: now - 1000 });
    const sweep = decideSweep(stopped, now, config)!;
    expect(sweep.next).toMatchObject({ health_status: "degraded", health_reason: `probe passing; no heartbeat since ${new Date(now - 40_000).toISOString()}` });
    expect(events(sweep)[0]).toMatchObject({ source: "sweep", status: "degraded" });
    expect(decideSweep(sweep.next, now, config)).toBeNull();
    const failing = beating({ health_status: "unhealthy", last_heartbeat_at: now - 40_000, probe: probeConfig, probe_state: "failing", probe_last_ok_at: now - 20_000 });
    expect(decideSweep(failing, now, config)).toBeNull();
    expect(decideSweep({ ...failing, probe_last_ok_at: now - 30_000 }, now, config)!.next.health_status).toBe("offline");
  });

  it("passing probes earn trust at the heartbeat rate, and only for an agent whose heartbeats are not earning it", () => {
    const probeOnly = agent("p", { health_status: "healthy", probe: probeConfig, probe_state: "passing", trust_raw: 0.5 });
    const credit = decideProbeCredit(probeOnly, 300_000, now, config)!;
    expect(credit.next.trust_raw).toBeCloseTo(1 - 0.5 * Math.pow(1 - TRUST_WEIGHTS.punctualHeartbeat, 30), 12);
    expect(decideProbeCredit(beating({ probe: probeConfig, probe_state: "passing" }), 300_000, now, config)).toBeNull();
    expect(decideProbeCredit({ ...probeOnly, probe_state: "failing" }, 300_000, now, config)).toBeNull();
  });
});

describe("reports", () => {
  const input = (over: Partial<Parameters<typeof decideReport>[1]> = {}) => ({ outcome: "failure" as const, reporterId: "r", standing: 1, previous: undefined, ...over });

  it("write nothing at all when the reporter has no standing or the target's window is used up", () => {
    expect(decideReport(beating(), input({ standing: 0 }), now, config)).toBeNull();
    expect(decideReport(beating({ reports_window_start: now - 1000, reports_window_weight: TRUST_WEIGHTS.targetWindowCap }), input(), now, config)).toBeNull();
  });

  it("a move under the step is a touch that records the window and the count, guarded by the window read", () => {
    const row = beating({ reports_window_start: now - 1000, reports_window_weight: 0.5 });
    const change = decideReport(row, input({ outcome: "success", standing: 0.1 }), now, config)!;
    expect(change.weight).toBeCloseTo(0.1);
    expect(change.commit.events).toEqual([]);
    expect(change.commit.mutation).toMatchObject({ op: "touch", lastHeartbeatAt: now - 10_000, reportsWindow: { start: now - 1000, weight: 0.6 }, expect: { reportsWindow: { start: now - 1000, weight: 0.5 } } });
    expect(change.commit.reportCount).toEqual({ subjectId: "a", reporterId: "r", windowStart: now, count: 1 });
    expect(change.next.revision).toBe(5);
  });

  it("repeats in the reporter's window count less; a move past the step is announced with the reporter named", () => {
    const previous: ReportCount = { subjectId: "a", reporterId: "r", windowStart: now - 60_000, count: 1 };
    const change = decideReport(beating(), input({ previous }), now, config)!;
    expect(change.weight).toBe(0.5);
    expect(change.commit.reportCount).toEqual({ ...previous, count: 2 });
    expect(events(change)).toEqual([expect.objectContaining({ type: "trust_score_changed", reason: "failure reported by r", score: 0.485, previous_score: 0.5 })]);
    const stale = { ...previous, windowStart: now - TRUST_WEIGHTS.reportWindowMs };
    expect(decideReport(beating(), input({ previous: stale }), now, config)!.commit.reportCount).toEqual({ ...previous, windowStart: now, count: 1 });
  });
});

describe("decay", () => {
  const idle = (over: Partial<AgentRow>) => beating({ trust_raw: 0.7, trust_score: 0.7, ...over });

  it("waits for decayIdleMs of inactivity and leaves scores next to 0.5 alone", () => {
    expect(decideDecay(idle({ trust_updated_at: now - TRUST_WEIGHTS.decayIdleMs }), now, config)).toBeNull();
    expect(decideDecay(idle({ trust_raw: 0.5004, trust_updated_at: T0 - 10 * 86_400_000 }), now, config)).toBeNull();
  });

  it("a small move is a silent touch; a day's is announced with its reason", () => {
    const small = decideDecay(idle({ trust_updated_at: now - TRUST_WEIGHTS.decayIdleMs - 1 }), now, config)!;
    expect(op(small)).toBe("touch");
    expect(small.commit.events).toEqual([]);
    const day = decideDecay(idle({ trust_updated_at: now - 86_400_000 }), now, config)!;
    expect(events(day)).toEqual([expect.objectContaining({ type: "trust_score_changed", reason: DECAY_REASON, score: 0.6, previous_score: 0.7 })]);
  });
});

describe("registration, card updates and removal", () => {
  it("a registration is announced and starts the trust history", () => {
    const row = agent("new", { created_at: now, updated_at: now });
    const change = decideRegistration(row, now);
    expect(change.commit.mutation).toEqual({ op: "insert", row });
    expect(events(change)).toEqual([expect.objectContaining({ type: "agent_registered", agent_id: "new" })]);
    expect(change.commit.trustHistory).toEqual([{ agentId: "new", at: now, score: 0.5, tier: "reliable", reason: "registered" }]);
  });

  it("a card update names the fields it changed, and is nothing when it changed none", () => {
    const row = beating();
    expect(decideCardUpdate(row, { ...row }, now)).toBeNull();
    const change = decideCardUpdate(row, { ...row, version: "2", tags: ["x"] }, now)!;
    expect(events(change)).toEqual([expect.objectContaining({ type: "agent_updated", changed: ["version", "tags"] })]);
    expect(change.next).toMatchObject({ version: "2", revision: 6, updated_at: now });
  });

  it("a deregistration is a guarded delete announced with its reason and last revision, without a snapshot", () => {
    const change = decideDeregistration(beating(), "deregistered", now);
    expect(change.commit.mutation).toEqual({ op: "delete", id: "a", expect: { revision: 5, lastHeartbeatAt: now - 10_000, reportsWindow: { start: 0, weight: 0 }, cardRefreshAt: null } });
    const [e] = events(change);
    expect(e).toEqual({ type: "agent_deregistered", agentId: "a", at: now, agent_id: "a", timestamp: new Date(now).toISOString(), revision: 5, reason: "deregistered" });
  });
});

describe("reaping", () => {
  const offline = beating({ health_status: "offline", last_heartbeat_at: now - 5_000_000 });
  const wentOffline = now - config.deregisterAfterMs;

  it("deregisters an agent offline for deregister_after, with reason reaped", () => {
    const change = decideReap(offline, wentOffline, now, config)!;
    expect(op(change)).toBe("delete");
    expect(events(change)).toEqual([expect.objectContaining({ type: "agent_deregistered", reason: "reaped", revision: 5 })]);
  });

  it("leaves it while it has been offline less long, when it is not offline, and when reaping is off", () => {
    expect(decideReap(offline, wentOffline + 1, now, config)).toBeNull();
    expect(decideReap({ ...offline, health_status: "unhealthy" }, wentOffline, now, config)).toBeNull();
    expect(decideReap(offline, wentOffline, now, { ...config, deregisterAfterMs: 0 })).toBeNull();
  });
});
