/**
 * The registry's decisions, pure: the agent as read, what happened, `now` and
 * the settings in; the change to commit out (the new row, its events, its
 * history rows), or null when there is nothing to write. The service reads,
 * calls one of these and commits the result in one place (service.ts), so the
 * publishing rules — which events a change produces, with which fields — are
 * tested here without a database (decide.test.ts).
 *
 * One rule shapes every liveness and trust change (`settle`): a change that
 * moves something public (the health status, the published trust score) bumps
 * the revision and is announced; one that moves only the registry's own
 * bookkeeping (last heartbeat, the exact score, the healthy run, the reports
 * window) is a silent `touch` that bumps nothing and publishes nothing.
 */
import { trustTier, type Heartbeat, type HealthStatus, type InvocationOutcome } from "../../shared/agent.js";
import type { DeregistrationReason, HealthSource, ProbeResult } from "../../shared/events.js";
import type { Config } from "../config.js";
import { isPunctual, lastSign, statusAfterHeartbeat } from "../domain/health.js";
import { combineHealth, type CombinedHealth, type ProbeCounters, type ProbeState, type ProbeView } from "../domain/probes.js";
import { REPORTED_STATUSES, type ReportedStatus } from "../../shared/agent.js";
import {
  TRUST_WEIGHTS,
  applyTrust,
  decay,
  decideReport as weighReport,
  healthySinceAfterHeartbeat,
  isSteady,
  publishedScore,
  shouldPublish,
  type TrustMove,
} from "../domain/trust.js";
import type { AgentRow, Commit, Guard, Mutation, NewEvent, ReportCount } from "../store/store.js";
import { commitPriors } from "../events/prior.js";
import { cardChanges } from "./card.js";
import { newEvent } from "./snapshot.js";

export type DecideConfig = Pick<Config, "heartbeatIntervalMs" | "offlineAfterMs" | "trustStep" | "deregisterAfterMs">;

/** One decided change: what to commit, and the agent as that commit leaves it (for a delete: as it was removed). */
export interface Change {
  commit: Commit;
  next: AgentRow;
  /** The agent's probe was set, changed or removed by this change: the probe runner's row follows it. */
  probeChanged?: boolean;
}

/** A report's change, with the weight it was given (what the report answer says). */
export interface ReportChange extends Change {
  weight: number;
}

/** What a health status change is announced with: its source, and for a probe the result. */
type HealthCause = { source: Exclude<HealthSource, "probe">; message: string | null } | { source: "probe"; message: string | null; probe: ProbeResult };

/** A change of an agent's damped probe state (probes/runner.ts), with the result that made it. */
export interface ProbeTransition {
  to: ProbeState;
  /** The probe state after the change: `failingSince` and `lastOkAt`. */
  counters: ProbeCounters;
  /** The result that completed the run. */
  probe: ProbeResult;
}

export interface ReportInput {
  outcome: InvocationOutcome;
  latencyMs?: number;
  reporterId: string;
  /** The reporter's standing, in [0, 1] (domain/trust.ts `reporterStanding`). */
  standing: number;
  /** The reporter's earlier reports about this agent, as stored. */
  previous: ReportCount | undefined;
}

export const DECAY_REASON = "no activity: decay toward 0.5";
/** Raw scores closer to 0.5 than this are left alone by decay. */
export const DECAY_MIN_DISTANCE = 0.0005;

/**
 * What an update or delete expects to find. The reports window is part of
 * every guard: a report bumps no revision, and any write that raced one
 * (another report, a heartbeat's trust move) must re-read instead of
 * overwriting it.
 */
export const guardOf = (row: AgentRow): Guard => ({
  revision: row.revision,
  lastHeartbeatAt: row.last_heartbeat_at,
  reportsWindow: { start: row.reports_window_start, weight: row.reports_window_weight },
  // Likewise the card refresher's schedule (registry/card-refresh.ts): its claims bump no revision.
  cardRefreshAt: row.card_refresh_at,
});

/** What the registry knows about the agent's probe, for combining; null when it has none. */
export function probeViewOf(row: AgentRow): ProbeView | null {
  if (row.probe === null) return null;
  return { state: row.probe_state ?? "unknown", failingSince: row.probe_failing_since, lastOkAt: row.probe_last_ok_at, lastError: row.probe_error };
}

/** What the last heartbeat reported; for a row written before migration 0009, the status it had when it was a reported one. */
function reportedOf(row: AgentRow): ReportedStatus | null {
  if (row.reported_status !== null) return row.reported_status;
  if (row.last_heartbeat_at === null) return null;
  return (REPORTED_STATUSES as readonly string[]).includes(row.health_status) ? (row.health_status as ReportedStatus) : null;
}

/** The agent's health from what it says (heartbeats) and what the registry sees (its probe), at `now` (domain/probes.ts). */
export function healthOf(row: AgentRow, now: number, config: Pick<DecideConfig, "offlineAfterMs">): CombinedHealth {
  return combineHealth({
    reported: reportedOf(row),
    lastHeartbeatAt: row.last_heartbeat_at,
    createdAt: row.created_at,
    probe: probeViewOf(row),
    now,
    offlineAfterMs: config.offlineAfterMs,
  });
}

/**
 * A commit's events with their prior records (events/prior.ts): what the
 * agent's selector fields were before this commit, on the first event; `{}` on
 * the rest, whose before is the commit's after. `before` is null for a
 * registration, `after` for a deregistration.
 */
function announced(before: AgentRow | null, after: AgentRow | null, events: NewEvent[]): NewEvent[] {
  const priors = commitPriors(before, after, events.length);
  return events.map((e, i) => ({ ...e, prior: priors[i] === null ? null : JSON.stringify(priors[i]) }));
}

function trustEvent(before: AgentRow, after: AgentRow, reason: string, now: number): { event: NewEvent; history: NonNullable<Commit["trustHistory"]> } {
  const tier = trustTier(after.trust_score);
  return {
    event: newEvent("trust_score_changed", after, now, { score: after.trust_score, previous_score: before.trust_score, tier, reason }),
    history: [{ agentId: after.id, at: now, score: after.trust_score, tier, reason }],
  };
}

function healthEvent(before: AgentRow, after: AgentRow, cause: HealthCause, now: number): NewEvent {
  const fields = { status: after.health_status, previous_status: before.health_status, message: cause.message };
  return cause.source === "probe"
    ? newEvent("agent_health_changed", after, now, { ...fields, source: cause.source, probe: cause.probe })
    : newEvent("agent_health_changed", after, now, { ...fields, source: cause.source });
}

/** The silent write: liveness and trust bookkeeping only, no revision, no event. */
function touch(row: AgentRow, draft: AgentRow, now: number, raw: number, reportCount?: ReportCount): Change {
  const next: AgentRow = {
    ...row,
    last_heartbeat_at: draft.last_heartbeat_at,
    trust_raw: raw,
    trust_updated_at: now,
    healthy_since: draft.healthy_since,
    reports_window_start: draft.reports_window_start,
    reports_window_weight: draft.reports_window_weight,
  };
  if (draft.reported_status !== row.reported_status) {
    // What the agent reports changed without changing its combined status (its probe is failing): kept, for
    // when the probe recovers, with a whole-row write that still bumps nothing and publishes nothing.
    const quiet: AgentRow = { ...next, reported_status: draft.reported_status, health_message: draft.health_message };
    return { next: quiet, commit: { mutation: { op: "update", row: quiet, expect: guardOf(row) }, events: [], ...(reportCount ? { reportCount } : {}) } };
  }
  const windowMoved = next.reports_window_start !== row.reports_window_start || next.reports_window_weight !== row.reports_window_weight;
  const mutation: Mutation = {
    op: "touch",
    id: row.id,
    lastHeartbeatAt: next.last_heartbeat_at,
    trustRaw: raw,
    trustUpdatedAt: now,
    expect: guardOf(row),
    ...(next.healthy_since !== row.healthy_since ? { healthySince: next.healthy_since } : {}),
    ...(windowMoved ? { reportsWindow: { start: next.reports_window_start, weight: next.reports_window_weight } } : {}),
  };
  return { next, commit: { mutation, events: [], ...(reportCount ? { reportCount } : {}) } };
}

/**
 * Turns a draft of the agent's new state and its trust move into the change:
 * announced (revision + 1, a health event when the status changed, a trust
 * event when the published score moves) or a silent touch.
 */
function settle(row: AgentRow, draft: AgentRow, now: number, config: DecideConfig, trust: TrustMove, cause?: HealthCause, reportCount?: ReportCount): Change {
  const healthChanged = draft.health_status !== row.health_status;
  if (healthChanged && !cause) throw new Error("a health status change needs its cause");
  const publish = trust.reason !== "" && shouldPublish(row.trust_score, trust.raw, config.trustStep);
  if (!healthChanged && !publish) return touch(row, draft, now, trust.raw, reportCount);

  const next: AgentRow = {
    ...draft,
    trust_raw: trust.raw,
    trust_score: publish ? publishedScore(trust.raw) : row.trust_score,
    trust_updated_at: now,
    revision: row.revision + 1,
    updated_at: now,
  };
  const commit: Commit = { mutation: { op: "update", row: next, expect: guardOf(row) }, events: [], ...(reportCount ? { reportCount } : {}) };
  if (healthChanged) {
    commit.events.push(healthEvent(row, next, cause!, now));
    const c = cause!;
    commit.healthHistory = [
      { agentId: row.id, at: now, status: next.health_status, previousStatus: row.health_status, message: c.message, source: c.source, ...(c.source === "probe" ? { probe: c.probe } : {}) },
    ];
  }
  if (publish) {
    const t = trustEvent(row, next, trust.reason, now);
    commit.events.push(t.event);
    commit.trustHistory = t.history;
  }
  commit.events = announced(row, next, commit.events);
  return { next, commit };
}

/** A first registration: the row as built from the card, announced, with the first point of its trust history. */
export function decideRegistration(row: AgentRow, now: number): Change {
  return {
    next: row,
    commit: {
      mutation: { op: "insert", row },
      events: announced(null, row, [newEvent("agent_registered", row, now, {})]),
      trustHistory: [{ agentId: row.id, at: now, score: row.trust_score, tier: trustTier(row.trust_score), reason: "registered" }],
    },
  };
}

/** A card change (re-registration or PATCH), `next` being the row with the new card: announced with the fields it changed; null when it changed none. */
export function decideCardUpdate(row: AgentRow, next: AgentRow, now: number): Change | null {
  // card_url is the one registry field in the snapshot that a registration sets.
  const changed = [
    ...cardChanges(row, next),
    ...(row.card_url !== next.card_url ? ["card_url"] : []),
    ...(JSON.stringify(row.probe) !== JSON.stringify(next.probe) ? ["probe"] : []),
  ];
  if (changed.length === 0) return null;
  const after: AgentRow = { ...next, revision: row.revision + 1, updated_at: now };
  return {
    next: after,
    commit: { mutation: { op: "update", row: after, expect: guardOf(row) }, events: announced(row, after, [newEvent("agent_updated", after, now, { changed })]) },
    ...(changed.includes("probe") ? { probeChanged: true } : {}),
  };
}

/** Removal, guarded by the state read: with several instances, one delete wins and only it is announced. */
export function decideDeregistration(row: AgentRow, reason: DeregistrationReason, now: number): Change {
  return {
    next: row,
    commit: { mutation: { op: "delete", id: row.id, expect: guardOf(row) }, events: announced(row, null, [newEvent("agent_deregistered", row, now, { revision: row.revision, reason })]) },
  };
}

/**
 * A heartbeat always writes (liveness); it is announced only when it changes
 * the status or moves the published trust score.
 */
export function decideHeartbeat(row: AgentRow, input: Heartbeat, now: number, config: DecideConfig): Change {
  const reported = statusAfterHeartbeat(input.status) as ReportedStatus;
  // What the agent says, combined with what its probe sees: a failing probe makes it unhealthy whatever it says.
  const health = healthOf({ ...row, reported_status: reported, last_heartbeat_at: now }, now, config);
  const status = health.status;
  const punctual = isPunctual(row.last_heartbeat_at, row.health_status, now, config.heartbeatIntervalMs);
  let trust = applyTrust(row.trust_raw, {
    kind: "heartbeat",
    punctual,
    elapsedMs: row.last_heartbeat_at === null ? undefined : now - row.last_heartbeat_at,
    intervalMs: config.heartbeatIntervalMs,
  });
  if (status !== row.health_status) {
    const hit = applyTrust(trust.raw, { kind: "status", status });
    if (hit.reason) trust = hit;
  }
  const message = input.message ?? null;
  const draft: AgentRow = {
    ...row,
    health_status: status,
    health_message: message,
    health_reason: health.reason,
    reported_status: reported,
    last_heartbeat_at: now,
    healthy_since: healthySinceAfterHeartbeat(row.healthy_since, row.health_status, status, punctual, now),
  };
  return settle(row, draft, now, config, trust, { source: "heartbeat", message });
}

/**
 * A change of the agent's damped probe state, with the health it then has
 * (combined with its heartbeats). Announced as `agent_health_changed` with
 * `source: "probe"` when the status moves, else as `agent_updated` with
 * `changed: ["probe"]` (the snapshot's `probe` changed); null when the agent
 * has no probe any more or already has this state (a transition offered again
 * after a crash changes nothing). A probe is not a heartbeat: the last
 * heartbeat stays, and a status that is not up ends the healthy run.
 */
export function decideProbeTransition(row: AgentRow, transition: ProbeTransition, now: number, config: DecideConfig): Change | null {
  const { to, counters, probe } = transition;
  if (row.probe === null || (row.probe_state ?? "unknown") === to) return null;
  const probed: AgentRow = {
    ...row,
    probe_state: to,
    probe_failing_since: to === "failing" ? counters.failingSince : null,
    probe_last_ok_at: counters.lastOkAt,
    probe_error: probe.ok ? null : (probe.error ?? null),
  };
  const health = healthOf(probed, now, config);
  const status = health.status;
  if (status === row.health_status) {
    const after: AgentRow = { ...probed, health_reason: health.reason, revision: row.revision + 1, updated_at: now };
    const events = announced(row, after, [newEvent("agent_updated", after, now, { changed: ["probe"] })]);
    return { next: after, commit: { mutation: { op: "update", row: after, expect: guardOf(row) }, events } };
  }
  const hit = applyTrust(row.trust_raw, { kind: "status", status });
  const trust = hit.reason ? { raw: hit.raw, reason: `probe found it ${status}` } : hit;
  const draft: AgentRow = {
    ...probed,
    health_status: status,
    health_reason: health.reason,
    healthy_since: isSteady(status) ? row.healthy_since : null,
  };
  return settle(row, draft, now, config, trust, { source: "probe", message: health.reason, probe });
}

/**
 * Availability measured by probes earns trust at the rate punctual heartbeats
 * do, and only for an agent whose heartbeats are not earning it (none within
 * 1.5 intervals): `periodMs` of passing probes counts as that many heartbeat
 * intervals of punctual beats, never more. Null when nothing is earned.
 */
export function decideProbeCredit(row: AgentRow, periodMs: number, now: number, config: DecideConfig): Change | null {
  if (row.probe === null || row.probe_state !== "passing" || !isSteady(row.health_status)) return null;
  if (row.last_heartbeat_at !== null && now - row.last_heartbeat_at <= config.heartbeatIntervalMs * 1.5) return null;
  const intervals = periodMs / config.heartbeatIntervalMs;
  if (!(intervals > 0)) return null;
  const raw = 1 - (1 - row.trust_raw) * Math.pow(1 - TRUST_WEIGHTS.punctualHeartbeat, intervals);
  return settle(row, row, now, config, { raw: Math.min(1, raw), reason: "reachable: probes passing" });
}

/** An invocation report from another agent; null when it weighs nothing (then nothing at all is written). */
export function decideReport(row: AgentRow, input: ReportInput, now: number, config: DecideConfig): ReportChange | null {
  if (input.standing <= 0) return null;
  const { previous } = input;
  const inWindow = previous !== undefined && now - previous.windowStart < TRUST_WEIGHTS.reportWindowMs;
  const prior = inWindow ? previous.count : 0;
  const d = weighReport({
    raw: row.trust_raw,
    outcome: input.outcome,
    latencyMs: input.latencyMs,
    reporterId: input.reporterId,
    standing: input.standing,
    priorReports: prior,
    window: { start: row.reports_window_start, weight: row.reports_window_weight },
    now,
  });
  if (d.weight === 0) return null;
  const reportCount: ReportCount = { subjectId: row.id, reporterId: input.reporterId, windowStart: inWindow ? previous.windowStart : now, count: prior + 1 };
  const draft: AgentRow = { ...row, reports_window_start: d.window.start, reports_window_weight: d.window.weight };
  return { ...settle(row, draft, now, config, d.move, undefined, reportCount), weight: d.weight };
}

/**
 * The sweeper's verdict on an agent whose heartbeats stopped: the health its
 * probe and its silence call for (domain/probes.ts) — `offline` after
 * `offlineAfterMs` with neither a heartbeat nor a successful probe, `degraded`
 * while a passing probe still reaches an agent that stopped heartbeating —
 * or null when that is the status it has (or its heartbeat is fresh).
 */
export function decideSweep(row: AgentRow, now: number, config: DecideConfig): Change | null {
  if (row.last_heartbeat_at !== null && now - row.last_heartbeat_at < config.offlineAfterMs) return null;
  const health = healthOf(row, now, config);
  const status = health.status;
  if (status === row.health_status || status === "unknown") return null;
  const trust = applyTrust(row.trust_raw, { kind: "status", status });
  const message = status === "offline" ? `no heartbeat for ${Math.round((now - lastSign(row)) / 1000)}s` : health.reason;
  const draft: AgentRow = {
    ...row,
    health_status: status,
    health_message: null,
    health_reason: health.reason,
    healthy_since: isSteady(status) ? row.healthy_since : null,
  };
  return settle(row, draft, now, config, trust, { source: "sweep", message });
}

/** Trust of an agent idle for longer than `decayIdleMs` moves toward 0.5, published like any other move; null when it is not due. */
export function decideDecay(row: AgentRow, now: number, config: DecideConfig): Change | null {
  const idleMs = now - row.trust_updated_at;
  if (idleMs <= TRUST_WEIGHTS.decayIdleMs || Math.abs(row.trust_raw - 0.5) < DECAY_MIN_DISTANCE) return null;
  return settle(row, row, now, config, { raw: decay(row.trust_raw, idleMs), reason: DECAY_REASON });
}

/**
 * Reaping: an agent offline for `deregisterAfterMs` (since `offlineSince`, when
 * its offline transition was committed) is deregistered with reason `reaped`;
 * null when reaping is off or the agent is not due.
 */
export function decideReap(row: AgentRow, offlineSince: number, now: number, config: DecideConfig): Change | null {
  if (config.deregisterAfterMs <= 0 || row.health_status !== "offline" || now - offlineSince < config.deregisterAfterMs) return null;
  return decideDeregistration(row, "reaped", now);
}
