/**
 * Probe rules, pure: what one probe result does to an agent's probe state (flap
 * damping), and how what the agent says (heartbeats) and what the registry sees
 * (probes) combine into one health status. No clock reads, no I/O: `now` is
 * passed in. The README's "Health" table is written from `combineHealth`.
 *
 * Flap damping: the probe state moves only after a run of equal results —
 * `failures` failures in a row to become `failing`, `successes` successes in a
 * row to recover to `passing`. One failed probe moves nothing, and a target
 * that fails every other probe never moves at all. The only shortcut is the
 * first sight: a probe that has never passed or failed (`unknown`) turns
 * `passing` on its first success, since there is nothing to recover from.
 */
import type { HealthStatus, ReportedStatus } from "../../shared/agent.js";

export type ProbeState = "unknown" | "passing" | "failing";

/** Runs of equal results needed before the probe state moves. */
export interface Damping {
  /** Failures in a row before `failing` (default 3). */
  failures: number;
  /** Successes in a row before a failing probe recovers (default 2). */
  successes: number;
}

/** What the registry keeps between probes (a row of the `probes` table). */
export interface ProbeCounters {
  state: ProbeState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /**
   * While `failing`: when its run of failures began. While not failing: the
   * start of a run of failures not yet long enough, or null after a success.
   */
  failingSince: number | null;
  lastOkAt: number | null;
}

export const INITIAL_COUNTERS: ProbeCounters = Object.freeze({
  state: "unknown",
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  failingSince: null,
  lastOkAt: null,
});

export interface StateChange {
  from: ProbeState;
  to: ProbeState;
}

/** Folds one probe result (`ok` or not, taken at `now`) into the counters; `change` is set only when the state moves. */
export function applyProbeResult(counters: ProbeCounters, ok: boolean, now: number, damping: Damping): { next: ProbeCounters; change: StateChange | null } {
  const from = counters.state;
  if (ok) {
    const successes = counters.consecutiveSuccesses + 1;
    const recovers = from === "unknown" || (from === "failing" && successes >= damping.successes);
    const to: ProbeState = recovers ? "passing" : from;
    const next: ProbeCounters = {
      state: to,
      consecutiveFailures: 0,
      consecutiveSuccesses: successes,
      failingSince: to === "failing" ? counters.failingSince : null,
      lastOkAt: now,
    };
    return { next, change: to === from ? null : { from, to } };
  }
  const failures = counters.consecutiveFailures + 1;
  const to: ProbeState = failures >= damping.failures ? "failing" : from;
  const next: ProbeCounters = {
    state: to,
    consecutiveFailures: failures,
    consecutiveSuccesses: 0,
    failingSince: counters.consecutiveFailures === 0 && from !== "failing" ? now : (counters.failingSince ?? now),
    lastOkAt: counters.lastOkAt,
  };
  return { next, change: to === from ? null : { from, to } };
}

/** What the registry knows about an agent's probe, for combining; null when the agent has none. */
export interface ProbeView {
  state: ProbeState;
  failingSince: number | null;
  lastOkAt: number | null;
  /** The last failure's reason (`timeout: …`, `HTTP 503`), shown in the health reason. */
  lastError?: string | null;
}

export interface HealthInput {
  /** The status the agent's last heartbeat reported; null when it never sent one. */
  reported: ReportedStatus | null;
  lastHeartbeatAt: number | null;
  createdAt: number;
  probe: ProbeView | null;
  now: number;
  offlineAfterMs: number;
}

export type HealthCause = "heartbeat" | "probe" | "registration";

export interface CombinedHealth {
  status: HealthStatus;
  /** Why, in words the dashboard shows: "heartbeat says healthy; probe failing since …: timeout". */
  reason: string;
  /** What decided it: the agent's own word, the registry's probe, or silence since registration. */
  cause: HealthCause;
}

const iso = (ms: number) => new Date(ms).toISOString();

function probeFailing(probe: ProbeView): string {
  const since = probe.failingSince === null ? "" : ` since ${iso(probe.failingSince)}`;
  return `probe failing${since}${probe.lastError ? `: ${probe.lastError}` : ""}`;
}

/**
 * One health status from both sources. Reachable matters more than
 * self-reported: a heartbeating agent whose probe fails is `unhealthy`. An
 * agent that never heartbeats is judged by its probe alone. `offline` means
 * neither a heartbeat nor a successful probe for `offlineAfterMs` (counted from
 * registration when there was neither), unless the damped probe state is still
 * `passing`: flap damping, not one late probe, decides that a target is gone.
 *
 * | heartbeat (within offline-after) | probe | status | reason |
 * | --- | --- | --- | --- |
 * | fresh, reports S | none, unknown or passing | S | heartbeat says S |
 * | fresh | failing | unhealthy | heartbeat says S; probe failing since … |
 * | never sent | passing | healthy | probe passing |
 * | stopped | passing | degraded | probe passing; no heartbeat since … |
 * | none fresh, no sign (heartbeat, probe success, registration) for offline-after | not passing | offline | no heartbeat or successful probe since … |
 * | none fresh | failing | unhealthy | probe failing since … |
 * | never sent | none or unknown | unknown | registered, no heartbeat or probe result yet |
 */
export function combineHealth(input: HealthInput): CombinedHealth {
  const { reported, lastHeartbeatAt, createdAt, probe, now, offlineAfterMs } = input;
  const heartbeatFresh = lastHeartbeatAt !== null && now - lastHeartbeatAt < offlineAfterMs;
  const failing = probe?.state === "failing";

  if (heartbeatFresh) {
    const says = `heartbeat says ${reported ?? "healthy"}`;
    if (failing) return { status: "unhealthy", reason: `${says}; ${probeFailing(probe)}`, cause: "probe" };
    return { status: reported ?? "healthy", reason: says, cause: "heartbeat" };
  }
  if (probe?.state === "passing") {
    if (lastHeartbeatAt === null) return { status: "healthy", reason: "probe passing", cause: "probe" };
    return { status: "degraded", reason: `probe passing; no heartbeat since ${iso(lastHeartbeatAt)}`, cause: "probe" };
  }
  const signs = [lastHeartbeatAt, probe?.lastOkAt ?? null].filter((t): t is number => t !== null);
  const lastSign = signs.length ? Math.max(...signs) : createdAt;
  if (now - lastSign >= offlineAfterMs) {
    const cause: HealthCause = signs.length ? (lastHeartbeatAt === lastSign ? "heartbeat" : "probe") : "registration";
    const reason = signs.length ? `no heartbeat or successful probe since ${iso(lastSign)}` : `no heartbeat or successful probe since registration at ${iso(createdAt)}`;
    return { status: "offline", reason, cause };
  }
  if (failing) return { status: "unhealthy", reason: probeFailing(probe), cause: "probe" };
  return { status: "unknown", reason: "registered, no heartbeat or probe result yet", cause: "registration" };
}
