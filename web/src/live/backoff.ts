/**
 * Reconnect delays: exponential, capped, with jitter, so a dashboard left open
 * on many screens does not hammer a server that is coming back, and the
 * screens do not all retry at the same instant.
 */
export interface BackoffOptions {
  /** First delay (ms). Default 1000. */
  baseMs?: number;
  /** Longest delay (ms). Default 15 000: a server back after a long outage is noticed within 15 s. */
  capMs?: number;
}

/**
 * Delay before reconnect attempt `attempt` (1, 2, 3 …): the capped exponential
 * step times a random factor in [0.5, 1) ("equal jitter": never zero, never
 * more than the step).
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, { baseMs = 1000, capMs = 15_000 }: BackoffOptions = {}): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + 0.5 * random()));
}
