/**
 * Exponential backoff with jitter, shared by the heartbeat loop and the event
 * subscription, so many clients that lost the same server do not come back in
 * step.
 */
export interface BackoffOptions {
  /** First delay (default 500 ms). */
  baseMs?: number;
  /** Largest delay (default 30 s). */
  maxMs?: number;
  random?: () => number;
}

/** Delay before retry number `attempt` (0-based): base·2^attempt capped at max, then scaled by 0.5–1. */
export function backoffDelay(attempt: number, { baseMs = 500, maxMs = 30_000, random = Math.random }: BackoffOptions = {}): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

/** A timer that can be cancelled; `cancel()` resolves the wait at once. */
export function cancellableSleep(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done!: () => void;
  const promise = new Promise<void>((resolve) => {
    done = resolve;
    timer = setTimeout(resolve, ms);
  });
  return {
    promise,
    cancel() {
      clearTimeout(timer);
      done();
    },
  };
}
