/**
 * What a simulated agent does, as pure functions of its state, its persona and
 * its random stream: at each heartbeat tick it may degrade, become unhealthy,
 * go silent (long enough to be marked offline) and recover; and what an
 * invocation of it would return. No clock, no I/O: the simulation drives them.
 */
import type { InvocationOutcome, ReportedStatus } from "../../shared/agent.js";
import type { Persona } from "./cards.js";
import type { Random } from "./random.js";

export type SimState = ReportedStatus | "silent";

export interface AgentBehaviour {
  state: SimState;
  /** Ticks left in the current silence. */
  silentTicks: number;
  /** The message sent with a degraded or unhealthy status. */
  message?: string;
}

export const INITIAL_BEHAVIOUR: AgentBehaviour = { state: "healthy", silentTicks: 0 };

const DEGRADED_MESSAGES = ["p95 latency above 2s", "upstream model rate-limited", "queue backlog growing", "cache cold after deploy", "retrying a flaky dependency"];
const UNHEALTHY_MESSAGES = ["database connection pool exhausted", "model server returns 5xx", "out of GPU memory", "credentials expired for an upstream API", "disk full"];

/**
 * Chances per tick, before the persona's flakiness multiplies the bad ones.
 * Tuned so a dozen agents show a few changes a minute at a 10 s heartbeat.
 */
export const TRANSITIONS = {
  healthy: { degraded: 0.04, unhealthy: 0.012, silent: 0.008 },
  degraded: { healthy: 0.35, unhealthy: 0.08, silent: 0.015 },
  unhealthy: { healthy: 0.2, degraded: 0.3, silent: 0.04 },
} as const;

/**
 * The next state at a heartbeat tick. `silenceTicks` is how many ticks a
 * silence must last at least for the registry to mark the agent offline.
 */
export function nextBehaviour(current: AgentBehaviour, persona: Persona, rnd: Random, silenceTicks: number): AgentBehaviour {
  const roll = rnd.next();
  const f = persona.flakiness;
  if (current.state === "silent") {
    if (current.silentTicks > 1) return { state: "silent", silentTicks: current.silentTicks - 1 };
    return { state: "healthy", silentTicks: 0 };
  }
  const p = TRANSITIONS[current.state];
  const goSilent = { state: "silent" as const, silentTicks: silenceTicks + rnd.int(1, 3) };
  if (current.state === "healthy") {
    const t = TRANSITIONS.healthy;
    if (roll < t.degraded * f) return { state: "degraded", silentTicks: 0, message: rnd.pick(DEGRADED_MESSAGES) };
    if (roll < (t.degraded + t.unhealthy) * f) return { state: "unhealthy", silentTicks: 0, message: rnd.pick(UNHEALTHY_MESSAGES) };
    if (roll < (t.degraded + t.unhealthy + t.silent) * f) return goSilent;
    return current;
  }
  if (current.state === "degraded") {
    const t = p as (typeof TRANSITIONS)["degraded"];
    if (roll < t.healthy) return { state: "healthy", silentTicks: 0 };
    if (roll < t.healthy + t.unhealthy * f) return { state: "unhealthy", silentTicks: 0, message: rnd.pick(UNHEALTHY_MESSAGES) };
    if (roll < t.healthy + (t.unhealthy + t.silent) * f) return goSilent;
    return current;
  }
  const t = p as (typeof TRANSITIONS)["unhealthy"];
  if (roll < t.healthy) return { state: "healthy", silentTicks: 0 };
  if (roll < t.healthy + t.degraded) return { state: "degraded", silentTicks: 0, message: rnd.pick(DEGRADED_MESSAGES) };
  if (roll < t.healthy + t.degraded + t.silent * f) return goSilent;
  return current;
}

export interface Invocation {
  outcome: InvocationOutcome;
  latencyMs: number;
}

/** What invoking an agent in `state` returns: its reliability when healthy, worse otherwise; silence times out. */
export function invoke(state: SimState, persona: Persona, rnd: Random): Invocation {
  const roll = rnd.next();
  const latency = (factor: number) => Math.round(persona.latencyMs * factor * rnd.float(0.5, 1.8));
  switch (state) {
    case "healthy":
      if (roll < persona.reliability) return { outcome: "success", latencyMs: latency(1) };
      return roll < persona.reliability + (1 - persona.reliability) * 0.7 ? { outcome: "failure", latencyMs: latency(0.5) } : { outcome: "timeout", latencyMs: 30_000 };
    case "degraded":
      if (roll < persona.reliability * 0.7) return { outcome: "success", latencyMs: latency(3) };
      return roll < 0.9 ? { outcome: "failure", latencyMs: latency(1) } : { outcome: "timeout", latencyMs: 30_000 };
    case "unhealthy":
      if (roll < 0.2) return { outcome: "success", latencyMs: latency(4) };
      return roll < 0.75 ? { outcome: "failure", latencyMs: latency(0.3) } : { outcome: "timeout", latencyMs: 30_000 };
    case "silent":
      return roll < 0.8 ? { outcome: "timeout", latencyMs: 30_000 } : { outcome: "failure", latencyMs: 5 };
  }
}
