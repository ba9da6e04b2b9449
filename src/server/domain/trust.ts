/**
 * Trust rules, pure: a score in [0, 1] that starts at 0.5.
 *
 * Every rule moves the exact score (`raw`) part of the way toward 1 (a gain) or
 * toward 0 (a loss), so it never leaves [0, 1] and each step matters less near
 * the bounds. The published score follows `raw` only when it has moved by at
 * least the configured step or crossed a tier boundary. The weights are written
 * down here and in the README ("Trust").
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
  /** Without activity, the distance to 0.5 halves every 24 hours. */
  decayHalfLifeMs: 24 * 3_600_000,
  /** Decay is applied to agents idle for at least this long. */
  decayIdleMs: 10 * 60_000,
} as const;

export type TrustInput =
  | { kind: "heartbeat"; punctual: boolean }
  | { kind: "status"; status: HealthStatus }
  | { kind: "report"; outcome: InvocationOutcome; latencyMs?: number; reporterId: string; priorReports: number };

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

export function applyTrust(raw: number, input: TrustInput): TrustMove {
  const W = TRUST_WEIGHTS;
  switch (input.kind) {
    case "heartbeat":
      return input.punctual ? { raw: clamp(gain(raw, W.punctualHeartbeat)), reason: "punctual heartbeats" } : { raw, reason: "" };
    case "status":
      if (input.status === "offline") return { raw: clamp(loss(raw, W.offline)), reason: "went offline" };
      if (input.status === "unhealthy") return { raw: clamp(loss(raw, W.unhealthy)), reason: "reported unhealthy" };
      if (input.status === "degraded") return { raw: clamp(loss(raw, W.degraded)), reason: "reported degraded" };
      return { raw, reason: "" };
    case "report": {
      const weight = reportWeight(input.priorReports);
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
