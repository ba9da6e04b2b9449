/**
 * Trust rules, pure: a score in [0, 1] that starts at 0.5.
 *
 * Every rule moves the exact score (`raw`) part of the way toward 1 (a gain) or
 * toward 0 (a loss), so it never leaves [0, 1] and each step matters less near
 * the bounds. The published score follows `raw` only when it has moved by at
 * least the configured step or crossed a tier boundary. The weights are written
 * down here and in the README ("Trust").
 *
 * Reports from other agents are where a score can be farmed or sunk, and agent
 * ids are free, so a report weighs by what an id cannot get for free: the
 * reporter's standing (age, an unbroken run of healthy heartbeats, its own
 * trust), and all reports about one agent share a budget of weight per window
 * whoever sends them. See `reporterStanding` and `decideReport`.
 */
import { trustTier, type HealthStatus, type InvocationOutcome } from "../../shared/agent.js";

export const TRUST_WEIGHTS = {
  initial: 0.5,
  /** Gain per punctual heartbeat: raw += 0.002 · (1 − raw). */
  punctualHeartbeat: 0.002,
  /** Loss when the agent goes offline: raw −= 0.05 · raw. */
  offline: 0.05,
  /** Loss when the agent reports itself unhealthy: raw −= 0.03 · raw; degraded: 0.01. */
  unhealthy: 0.03,
  degraded: 0.01,
  /** Invocation reports from other agents: success gains 0.03 · (1 − raw), failure loses 0.06 · raw, timeout 0.05 · raw. */
  success: 0.03,
  failure: 0.06,
  timeout: 0.05,
  /** A success slower than this counts half. */
  slowLatencyMs: 5_000,
  /** Reports from the same reporter about the same agent within this window count 1, 1/2, 1/3, … */
  reportWindowMs: 10 * 60_000,
  /** Default age at which a reporter's standing from age is full (config `trustMaturityMs`). */
  maturityMs: 24 * 3_600_000,
  /** The run of healthy heartbeats that gives full standing, and the probation of a new agent, as a share of the maturity (1 h of 24 h). */
  healthyRunShare: 1 / 24,
  /** Own trust: a reporter at or above `trustFull` counts in full, at or below `trustZero` nothing, linear between. */
  trustFull: 0.5,
  trustZero: 0.2,
  /** All reports about one agent share this much weight per window (a full-standing report weighs 1). */
  targetWindowMs: 60 * 60_000,
  targetWindowCap: 2,
  /** Without activity, the distance to 0.5 halves every 24 hours. */
  decayHalfLifeMs: 24 * 3_600_000,
  /** Decay is applied to agents idle for at least this long. */
  decayIdleMs: 10 * 60_000,
} as const;

export type TrustInput =
  /** `elapsedMs`/`intervalMs`: a punctual beat earns in proportion to the time it covers, at most one interval's gain. */
  | { kind: "heartbeat"; punctual: boolean; elapsedMs?: number; intervalMs?: number }
  | { kind: "status"; status: HealthStatus }
  /** `weight`: the report's final weight (standing, repeats and the target's window already applied), in [0, 1]. */
  | { kind: "report"; outcome: InvocationOutcome; latencyMs?: number; reporterId: string; weight: number };

export interface TrustMove {
  raw: number;
  /** Why it moved, for the event and the history; empty when it did not. */
  reason: string;
}

const gain = (raw: number, w: number) => raw + w * (1 - raw);
const loss = (raw: number, w: number) => raw - w * raw;
const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** Weight of a report given how many the same reporter already sent in the window: 1, 1/2, 1/3, … */
export function reportWeight(priorReports: number): number {
  return 1 / (1 + Math.max(0, priorReports));
}

const ramp = (x: number, full: number) => (full <= 0 ? 1 : clamp(x / full));

/** What a reporter's standing is computed from (a stored agent row has all of it). */
export interface Reporter {
  health_status: HealthStatus;
  created_at: number;
  /** Start of its current run of punctual `healthy`/`degraded` heartbeats; null when it has none. */
  healthy_since: number | null;
  trust_score: number;
}

/** Statuses in which an agent is up and heartbeating; only these can give standing. */
const STEADY: ReadonlySet<HealthStatus> = new Set(["healthy", "degraded"]);

/** Whether an agent in this status is up (`healthy` or `degraded`): only then does its healthy run go on. */
export const isSteady = (status: HealthStatus): boolean => STEADY.has(status);

/**
 * How much a reporter's word counts, in [0, 1]: the product of
 * - age since registration: nothing during the first maturity/24 (1 h, the
 *   probation), then age / maturity, full at `maturityMs` (24 h);
 * - its current run of punctual healthy heartbeats, linear up to maturity/24 (1 h);
 * - its own trust, nothing at 0.2 or below, full from 0.5 (a neutral agent's).
 * An agent that is `unknown` (never heartbeated), `offline` or `unhealthy` has
 * none. `maturityMs` 0 drops the age and run factors (demos, tests).
 */
export function reporterStanding(reporter: Reporter, now: number, maturityMs: number = TRUST_WEIGHTS.maturityMs): number {
  const W = TRUST_WEIGHTS;
  if (!STEADY.has(reporter.health_status) || reporter.healthy_since === null) return 0;
  const ageMs = now - reporter.created_at;
  if (ageMs < maturityMs * W.healthyRunShare) return 0;
  const age = ramp(ageMs, maturityMs);
  const run = ramp(now - reporter.healthy_since, maturityMs * W.healthyRunShare);
  const own = clamp((reporter.trust_score - W.trustZero) / (W.trustFull - W.trustZero));
  return age * run * own;
}

/**
 * Where an agent's run of healthy heartbeats starts after a heartbeat: it goes
 * on through punctual `healthy`/`degraded` beats and starts again at a late one;
 * any other status ends it.
 */
export function healthySinceAfterHeartbeat(healthySince: number | null, previous: HealthStatus, status: HealthStatus, punctual: boolean, now: number): number | null {
  if (!STEADY.has(status)) return null;
  return punctual && healthySince !== null && STEADY.has(previous) ? healthySince : now;
}

/** The reports window of a target agent: when it began and how much weight it has taken. */
export interface ReportsWindow {
  start: number;
  weight: number;
}

export interface ReportDecision {
  /** The weight the report moved the score by (after standing, repeats and the target's window). */
  weight: number;
  /** What the weight would have been without the target's window. */
  offered: number;
  window: ReportsWindow;
  move: TrustMove;
}

/**
 * One invocation report about a target: its weight is the reporter's standing
 * times the repeat damping (1/n for the n-th from this reporter in its window),
 * cut to what is left of the target's window budget (2 per hour, shared by all
 * reporters). A report that weighs nothing moves nothing and takes no budget.
 */
export function decideReport(input: {
  raw: number;
  outcome: InvocationOutcome;
  latencyMs?: number;
  reporterId: string;
  standing: number;
  priorReports: number;
  window: ReportsWindow;
  now: number;
}): ReportDecision {
  const W = TRUST_WEIGHTS;
  const expired = input.now - input.window.start >= W.targetWindowMs || input.now < input.window.start;
  const current = expired ? { start: input.now, weight: 0 } : input.window;
  const offered = clamp(input.standing) * reportWeight(input.priorReports);
  const weight = Math.max(0, Math.min(offered, W.targetWindowCap - current.weight));
  if (weight <= 0) return { weight: 0, offered, window: current, move: { raw: input.raw, reason: "" } };
  const move = applyTrust(input.raw, { kind: "report", outcome: input.outcome, latencyMs: input.latencyMs, reporterId: input.reporterId, weight });
  return { weight, offered, window: { start: current.start, weight: current.weight + weight }, move };
}

export function applyTrust(raw: number, input: TrustInput): TrustMove {
  const W = TRUST_WEIGHTS;
  switch (input.kind) {
    case "heartbeat": {
      if (!input.punctual) return { raw, reason: "" };
      // Beating faster than asked earns no faster: one interval's gain per interval.
      const share = input.elapsedMs !== undefined && input.intervalMs ? clamp(input.elapsedMs / input.intervalMs) : 1;
      return share > 0 ? { raw: clamp(gain(raw, W.punctualHeartbeat * share)), reason: "punctual heartbeats" } : { raw, reason: "" };
    }
    case "status":
      if (input.status === "offline") return { raw: clamp(loss(raw, W.offline)), reason: "went offline" };
      if (input.status === "unhealthy") return { raw: clamp(loss(raw, W.unhealthy)), reason: "reported unhealthy" };
      if (input.status === "degraded") return { raw: clamp(loss(raw, W.degraded)), reason: "reported degraded" };
      return { raw, reason: "" };
    case "report": {
      const weight = clamp(input.weight);
      const by = ` reported by ${input.reporterId}`;
      if (input.outcome === "success") {
        const slow = input.latencyMs !== undefined && input.latencyMs > W.slowLatencyMs;
        return { raw: clamp(gain(raw, W.success * weight * (slow ? 0.5 : 1))), reason: `${slow ? "slow success" : "success"}${by}` };
      }
      if (input.outcome === "failure") return { raw: clamp(loss(raw, W.failure * weight)), reason: `failure${by}` };
      return { raw: clamp(loss(raw, W.timeout * weight)), reason: `timeout${by}` };
    }
  }
}

/** Moves `raw` toward 0.5 for `idleMs` of inactivity (exponential, so applying it in steps composes). */
export function decay(raw: number, idleMs: number): number {
  if (idleMs <= 0) return raw;
  return 0.5 + (raw - 0.5) * Math.pow(0.5, idleMs / TRUST_WEIGHTS.decayHalfLifeMs);
}

/** Publish when the score moved by at least `step` since the last published value, or changed tier. */
export function shouldPublish(published: number, raw: number, step: number): boolean {
  return Math.abs(raw - published) >= step - 1e-12 || trustTier(raw) !== trustTier(published);
}

/** Published scores are rounded to 4 decimals. */
export function publishedScore(raw: number): number {
  return Math.round(raw * 10_000) / 10_000;
}
