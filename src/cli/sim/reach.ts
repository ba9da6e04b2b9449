/**
 * Whether a simulated agent answers the registry's probes, as pure functions
 * of its state and its random stream (no clock, no I/O: the simulation drives
 * them at each heartbeat tick, like its behaviour). Being cut off is separate
 * from what the agent reports: a cut-off agent goes on heartbeating "healthy",
 * which is the case probes exist for. A quarter of a fleet starts cut off, so
 * a new demo shows "says healthy, cannot be reached" within a probe or two.
 */
import type { Persona } from "./cards.js";
import type { Random } from "./random.js";

export interface Reach {
  reachable: boolean;
  /** Ticks left in the current cut (0 while reachable). */
  ticks: number;
}

/** Chance per tick that a reachable agent is cut off (times its flakiness), and how long a cut lasts, in ticks. */
export const CUTS = { chance: 0.015, minTicks: 6, maxTicks: 18 } as const;

/** Every fourth member of a fleet (the 2nd, 6th, 10th …) starts cut off. */
export const startsCutOff = (index: number): boolean => index % 4 === 1;

export function initialReach(index: number, rnd: Random): Reach {
  return startsCutOff(index) ? { reachable: false, ticks: rnd.int(CUTS.minTicks, CUTS.maxTicks) } : { reachable: true, ticks: 0 };
}

/** The next tick's reachability: a cut runs its course and ends; a reachable agent is sometimes cut. */
export function nextReach(current: Reach, persona: Persona, rnd: Random): Reach {
  if (!current.reachable) return current.ticks > 1 ? { reachable: false, ticks: current.ticks - 1 } : { reachable: true, ticks: 0 };
  return rnd.chance(CUTS.chance * persona.flakiness) ? { reachable: false, ticks: rnd.int(CUTS.minTicks, CUTS.maxTicks) } : current;
}
