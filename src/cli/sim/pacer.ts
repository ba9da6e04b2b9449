/**
 * Spaces out requests that share one limit on the server (registrations from
 * one address): a turn every `interval`, a little quicker after each run of
 * successes, and on a 429 nobody goes before `Retry-After` and turns come half
 * as often. A default server (20 writes/s) never refuses a 50-agent fleet; a
 * stricter one is waited out instead of being counted as errors.
 */

export interface PacerOptions {
  /** Time between two turns at first (default 100 ms: 10/s, half the default rate limit). */
  intervalMs?: number;
  /** Shortest interval it speeds up to (default 10 ms). */
  minIntervalMs?: number;
  /** Longest interval it slows down to (default 2 s). */
  maxIntervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Proof of a turn, handed back to `refused` so one burst of 429s slows the pace once, not once per request. */
export interface Turn {
  readonly epoch: number;
}

const SPEED_UP_AFTER = 20;
const SPEED_UP = 0.8;

export class Pacer {
  private interval: number;
  private readonly min: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private next = 0;
  private epoch = 0;
  private streak = 0;
  private closed = false;
  private readonly wakers = new Set<() => void>();

  constructor(options: PacerOptions = {}) {
    this.interval = options.intervalMs ?? 100;
    this.min = options.minIntervalMs ?? 10;
    this.max = options.maxIntervalMs ?? 2000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Ends every wait at once (the simulation is stopping); later turns are granted without waiting. */
  close(): void {
    this.closed = true;
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.wakers.delete(wake);
        resolve();
      };
      this.wakers.add(wake);
      this.sleep(ms).then(wake, wake);
    });
  }

  get intervalMs(): number {
    return this.interval;
  }

  /** Resolves when it is the caller's turn to send. */
  async turn(): Promise<Turn> {
    for (;;) {
      if (this.closed) return { epoch: this.epoch };
      const epoch = this.epoch;
      const now = this.now();
      const at = Math.max(now, this.next);
      this.next = at + this.interval;
      if (at > now) await this.wait(at - now);
      // A 429 arrived while this caller waited: its reserved time is void, queue again behind Retry-After.
      if (epoch === this.epoch) return { epoch };
    }
  }

  /** The request sent on `turn` succeeded. */
  succeeded(turn: Turn): void {
    if (turn.epoch !== this.epoch) return;
    if (++this.streak >= SPEED_UP_AFTER) {
      this.streak = 0;
      this.interval = Math.max(this.min, this.interval * SPEED_UP);
    }
  }

  /** The request sent on `turn` was refused with 429: wait `retryAfterMs` (all callers), then go at half the pace. */
  refused(turn: Turn, retryAfterMs: number): void {
    const until = this.now() + retryAfterMs;
    if (turn.epoch === this.epoch) {
      this.epoch++;
      this.streak = 0;
      this.interval = Math.min(this.max, this.interval * 2);
      this.next = until;
    } else {
      this.next = Math.max(this.next, until);
    }
  }
}
