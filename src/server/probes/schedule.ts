/**
 * When probes are due: spread over their interval with jitter, so 10,000
 * agents at 30 s are about 333 probes a second, not a wave every 30 s.
 */

/** Each interval is stretched or shrunk by up to this fraction, at random. */
export const JITTER = 0.1;

/** First probe of a new or changed probe: soon (within 5 s, or the interval if shorter), at a random moment. */
export function firstDueAt(now: number, intervalMs: number, random: () => number): number {
  return Math.round(now + random() * Math.min(intervalMs, 5000));
}

/**
 * The next probe keeps its own phase (one interval after it was due, ± jitter),
 * so probes stay spread as they were. One that fell more than an interval
 * behind (the registry was down, or every probe was) is rescheduled at a
 * random moment of the next interval instead, so a backlog spreads out rather
 * than coming back as one burst every interval.
 */
export function nextDueAt(dueAt: number, now: number, intervalMs: number, random: () => number): number {
  const next = dueAt + intervalMs * (1 + JITTER * (2 * random() - 1));
  return Math.round(next > now ? next : now + random() * intervalMs);
}

/**
 * After a probe's first result: a random moment between half an interval and
 * one and a half intervals later. New probes are first due within seconds, so a
 * fleet registered at once (a restore, a bulk import, a benchmark) would come
 * back as one wave every interval; this one random step gives each probe its
 * own phase, spread over the whole interval, from the second probe on.
 */
export function secondDueAt(now: number, intervalMs: number, random: () => number): number {
  return Math.round(now + intervalMs * (0.5 + random()));
}
