/**
 * The registry service on a real SQLite file with a manual clock: health
 * deadlines without waiting, racing sweepers, trust publishing thresholds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.js";
import type { Store, StoredEvent } from "../store/store.js";
import { createRegistry } from "./service.js";

let dir: string;
let store: Store;
let now: number;
let published: StoredEvent[];

// trustMaturityMs 0: reporters here are minutes old; their standing rules are tested in domain/trust.test.ts and test/abuse/.
const config = { heartbeatIntervalMs: 10_000, offlineAfterMs: 30_000, adminToken: null, registrationToken: null, trustStep: 0.01, trustMaturityMs: 0, deregisterAfterMs: 0, cardRefreshMs: 600_000 };
const clock = { now: () => now };
const card = (id: string) => ({ id, name: id, version: "1", description: "", endpoint: "http://127.0.0.1:9/", protocol: "http" as const });

function registry(over: Partial<typeof config> = {}) {
  return createRegistry({ store, config: { ...config, ...over }, clock, onCommit: (events) => published.push(...events) });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentmesh-svc-"));
  store = await openSqliteStore(join(dir, "db.sqlite"));
  await store.migrate();
  now = 1_000_000;
  published = [];
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const types = () => published.map((e) => e.type);

describe("health deadlines", () => {
  it("offline exactly at offline_after of silence, announced once even when two sweepers race", async () => {
    const a = registry();
    const b = registry();
    const { token } = await a.register(card("s1"), {});
    await a.heartbeat("s1", {}, { bearer: token });
    published = [];
    now += 29_999;
    expect(await a.sweep()).toBe(0);
    now += 1;
    const [x, y] = await Promise.all([a.sweep(), b.sweep()]);
    expect(x + y).toBe(1);
    expect(await a.sweep()).toBe(0);
    const health = published.filter((e) => e.type === "agent_health_changed").map((e) => JSON.parse(e.payload));
    expect(health).toHaveLength(1);
    expect(health[0]).toMatchObject({ status: "offline", previous_status: "healthy", message: "no heartbeat for 30s", source: "sweep" });
  });

  it("an agent that never sends a heartbeat goes offline after offline_after from registration", async () => {
    const r = registry();
    await r.register(card("quiet"), {});
    now += 30_000;
    expect(await r.sweep()).toBe(1);
    expect((await store.getAgent("quiet"))!.health_status).toBe("offline");
  });

  it("a heartbeat that lands between the sweeper's read and write wins: the agent is not marked offline", async () => {
    const r = registry();
    const { token } = await r.register(card("race"), {});
    await r.heartbeat("race", {}, { bearer: token });
    now += 31_000;
    const stale = await store.staleAgents(now - config.offlineAfterMs, 10);
    await r.heartbeat("race", {}, { bearer: token });
    // the sweeper now commits on what it read before the heartbeat
    const result = await store.commit({
      mutation: { op: "update", row: { ...stale[0], health_status: "offline", revision: stale[0].revision + 1 }, expect: { revision: stale[0].revision, lastHeartbeatAt: stale[0].last_heartbeat_at } },
      events: [],
    });
    expect(result).toEqual({ ok: false, reason: "conflict" });
    expect((await store.getAgent("race"))!.health_status).toBe("healthy");
  });

  it("a heartbeat that changes nothing publishes nothing but records liveness", async () => {
    const r = registry();
    const { token } = await r.register(card("calm"), {});
    await r.heartbeat("calm", {}, { bearer: token });
    published = [];
    now += 10_000;
    const res = await r.heartbeat("calm", {}, { bearer: token });
    expect(res.changed).toBe(false);
    expect(published).toEqual([]);
    const row = (await store.getAgent("calm"))!;
    expect(row.last_heartbeat_at).toBe(now);
    expect(row.revision).toBe(2);
  });
});

describe("probe transitions and deregistration", () => {
  it("a probe's state change is committed and announced as caused by the probe; the same change again, a probe removed or a gone agent is nothing", async () => {
    const changes: [string, unknown][] = [];
    const r = createRegistry({ store, config, clock, onCommit: (events) => published.push(...events), onProbeChange: async (id, p) => void changes.push([id, p]) });
    const config0 = { kind: "http" as const, url: "http://127.0.0.1:9/healthz", interval_ms: 30_000, timeout_ms: 5000, failures: 3, successes: 2 };
    const { token } = await r.register(card("p1"), {}, undefined, config0);
    expect(changes).toEqual([["p1", config0]]);
    await r.heartbeat("p1", {}, { bearer: token });
    published = [];
    const probe = { kind: "http" as const, ok: false, latency_ms: 12, status_code: 503, error: "HTTP 503" };
    const counters = { state: "failing" as const, consecutiveFailures: 3, consecutiveSuccesses: 0, failingSince: now - 60_000, lastOkAt: null };
    expect(await r.probeTransition("p1", { to: "failing", counters, probe })).toBe(true);
    expect(await r.probeTransition("p1", { to: "failing", counters, probe })).toBe(false);
    expect(await r.probeTransition("nobody", { to: "failing", counters, probe })).toBe(false);
    const health = published.filter((e) => e.type === "agent_health_changed").map((e) => JSON.parse(e.payload));
    expect(health).toEqual([expect.objectContaining({ source: "probe", probe, status: "unhealthy", previous_status: "healthy" })]);
    expect(health[0].message).toMatch(/^heartbeat says healthy; probe failing since .*: HTTP 503$/);
    const row = (await store.getAgent("p1"))!;
    expect(row).toMatchObject({ health_status: "unhealthy", probe_state: "failing", revision: health[0].agent.revision });
    expect((await store.healthHistory("p1", 10)).at(-1)).toMatchObject({ source: "probe", probe });

    // Removing the probe (PATCH probe: null) is announced as a change of `probe` and followed by the runner's row.
    published = [];
    await r.update("p1", {}, { bearer: token }, null);
    expect(changes.at(-1)).toEqual(["p1", null]);
    expect(published.map((e) => JSON.parse(e.payload))).toEqual([expect.objectContaining({ type: "agent_updated", changed: ["probe"] })]);
    expect(await r.probeTransition("p1", { to: "passing", counters: { ...counters, state: "passing" }, probe })).toBe(false);
    await r.deregister("p1", { bearer: token });
    // Deregistering an agent without a probe leaves the runner nothing to do.
    expect(changes).toHaveLength(2);
  });

  it("a heartbeat's health change names its source, and a DELETE is announced with reason deregistered", async () => {
    const r = registry();
    const { token } = await r.register(card("d1"), {});
    await r.heartbeat("d1", { status: "degraded" }, { bearer: token });
    await r.deregister("d1", { bearer: token });
    const payloads = published.map((e) => JSON.parse(e.payload));
    expect(payloads.find((p) => p.type === "agent_health_changed")).toMatchObject({ source: "heartbeat", status: "degraded" });
    expect(payloads.at(-1)).toEqual({ type: "agent_deregistered", agent_id: "d1", timestamp: new Date(now).toISOString(), revision: 2, reason: "deregistered" });
  });
});

describe("trust publishing", () => {
  it("punctual heartbeats accumulate silently and publish once the step is reached", async () => {
    const r = registry();
    const { token } = await r.register(card("steady"), {});
    await r.heartbeat("steady", {}, { bearer: token });
    published = [];
    let beats = 0;
    while (!types().includes("trust_score_changed") && beats < 100) {
      now += 10_000;
      await r.heartbeat("steady", {}, { bearer: token });
      beats++;
    }
    // 0.5 → ≥ 0.51 with gains of 0.002·(1 − raw): about ten beats
    expect(beats).toBeGreaterThanOrEqual(9);
    expect(beats).toBeLessThanOrEqual(12);
    const ev = JSON.parse(published.at(-1)!.payload);
    expect(ev).toMatchObject({ type: "trust_score_changed", previous_score: 0.5, tier: "reliable", reason: "punctual heartbeats" });
    expect(ev.score).toBeGreaterThanOrEqual(0.51);
    expect(ev.agent.trust_score).toBe(ev.score);
  });

  it("idle agents decay toward 0.5 and the move is published like any other", async () => {
    const r = registry();
    const { token: subject } = await r.register(card("idle"), {});
    const { token: fan } = await r.register(card("fan"), {});
    for (let i = 0; i < 5; i++) {
      now += 61 * 60_000; // a new window each time (the reporter's and the target's): full weight
      await r.heartbeat("fan", {}, { bearer: fan });
      await r.report("idle", { outcome: "success" }, { bearer: fan });
    }
    const high = (await store.getAgent("idle"))!.trust_score;
    expect(high).toBeGreaterThan(0.55);
    published = [];
    now += 48 * 3_600_000;
    expect(await r.decayIdle()).toBeGreaterThanOrEqual(1);
    const ev = published.map((e) => JSON.parse(e.payload)).find((e) => e.agent_id === "idle");
    expect(ev).toMatchObject({ type: "trust_score_changed", reason: "no activity: decay toward 0.5", previous_score: high });
    expect(ev.score).toBeCloseTo(0.5 + (high - 0.5) / 4, 3);
    void subject;
  });
});

describe("the healthy run (a reporter's standing)", () => {
  it("starts at the first healthy heartbeat, goes on while punctual, restarts when late, ends when unhealthy or swept offline", async () => {
    const r = registry();
    const { token } = await r.register(card("runner"), {});
    const since = async () => (await store.getAgent("runner"))!.healthy_since;
    expect(await since()).toBeNull();
    await r.heartbeat("runner", {}, { bearer: token });
    const start = now;
    expect(await since()).toBe(start);
    now += 10_000;
    await r.heartbeat("runner", { status: "degraded" }, { bearer: token });
    now += 10_000;
    await r.heartbeat("runner", {}, { bearer: token });
    expect(await since()).toBe(start);
    now += 16_000; // later than 1.5 intervals, not yet offline: the run starts again (a silent touch)
    await r.heartbeat("runner", {}, { bearer: token });
    expect(await since()).toBe(now);
    now += 10_000;
    await r.heartbeat("runner", { status: "unhealthy" }, { bearer: token });
    expect(await since()).toBeNull();
    now += 10_000;
    await r.heartbeat("runner", {}, { bearer: token });
    expect(await since()).toBe(now);
    now += 30_000;
    expect(await r.sweep()).toBe(1);
    expect(await since()).toBeNull();
  });
});

describe("reports", () => {
  it("count nothing from a reporter that never heartbeated, and nothing is written for them", async () => {
    const r = registry();
    await r.register(card("target"), {});
    const { token } = await r.register(card("silent-reporter"), {});
    const before = await store.getAgent("target");
    published = [];
    const res = await r.report("target", { outcome: "failure" }, { bearer: token });
    expect(res).toMatchObject({ weight: 0, trust_score: 0.5 });
    expect(await store.getAgent("target")).toEqual(before);
    expect(await store.reportCount("target", "silent-reporter")).toBeUndefined();
    expect(published).toEqual([]);
  });

  it("the target's window cap holds when two registries (instances) race on one store", async () => {
    // A step no move reaches: every report is a silent touch that bumps no revision, so only the window guards it.
    const a = registry({ trustStep: 0.5 });
    const b = registry({ trustStep: 0.5 });
    await a.register(card("victim"), {});
    const reporters: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { token } = await a.register(card(`rep-${i}`), {});
      await a.heartbeat(`rep-${i}`, {}, { bearer: token! });
      reporters.push(token!);
    }
    // Each registry serialises its own requests per agent; between the two only the store's guard keeps them apart.
    const results = await Promise.all(reporters.map((token, i) => (i % 2 ? a : b).report("victim", { outcome: "success" }, { bearer: token })));
    const applied = results.reduce((sum, res) => sum + res.weight, 0);
    expect(applied).toBeCloseTo(2, 9);
    const row = (await store.getAgent("victim"))!;
    expect(row.reports_window_weight).toBeCloseTo(2, 9);
    expect(row.revision).toBe(1);
    expect(row.trust_raw).toBeCloseTo(1 - 0.5 * 0.97 ** 2, 9);
  });
});

describe("commits of one turn (SQLite group commit)", () => {
  it("events reach onCommit in id order, gapless, when many commits share a turn", async () => {
    const r = registry();
    const tokens: string[] = [];
    for (let i = 0; i < 30; i++) tokens.push((await r.register(card(`g${i}`), {})).token!);
    const before = published.length ? published[published.length - 1].id : 0;
    published = [];
    now += 1000;
    // All in one turn; the first five agents get a second heartbeat (queued behind the first by the registry).
    const beats = tokens.map((token, i) => r.heartbeat(`g${i}`, { status: i % 2 ? "healthy" : "degraded" }, { bearer: token }));
    const again = tokens.slice(0, 5).map((token, i) => r.heartbeat(`g${i}`, { status: "unhealthy" }, { bearer: token }));
    await Promise.all([...beats, ...again]);
    const ids = published.map((e) => e.id);
    expect(ids.length).toBeGreaterThanOrEqual(35);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => before + 1 + i));
    expect(await store.eventsAfter(before, 1000)).toEqual(published);
  });
});
