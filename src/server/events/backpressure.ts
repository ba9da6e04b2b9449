/**
 * Room on a stream's socket, and who is a slow consumer.
 *
 * A stream is written to while fewer than `limit` bytes are queued on its
 * socket; what is written is cut to the room left, but at least one frame goes
 * out, so a write may take it over the limit. The stream then waits here until
 * there is room again: when its socket drains, or when a check finds its queue
 * back under the limit. A stream still over the limit at every check for `graceMs` is a slow
 * consumer: it is dropped, and resumes by Last-Event-ID. So a reader that keeps
 * reading is never dropped, however much it has to catch up, one that stopped
 * is dropped within about `graceMs`, and no socket ever holds more than the
 * limit plus one frame.
 *
 * One shared check timer runs only while some stream is waiting.
 */
import type { Subscriber } from "./subscriber.js";

export interface BackpressureOptions {
  /** Bytes queued on a socket past which a stream waits (--max-stream-buffer). */
  limit: number;
  /** How long a stream may stay over the limit before it is dropped (--slow-consumer-grace). */
  graceMs: number;
  /** Called once for a stream that stayed over the limit for `graceMs`. */
  onSlow(sub: Subscriber): void;
}

interface Waiter {
  since: number;
  resolve(room: boolean): void;
}

/** Checks per grace period: a stopped reader is dropped between graceMs and graceMs * (1 + 1/CHECKS). */
const CHECKS = 5;

export class Backpressure {
  private readonly waiting = new Map<Subscriber, Waiter>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: BackpressureOptions) {}

  get limit(): number {
    return this.opts.limit;
  }

  over(sub: Subscriber): boolean {
    return sub.sink.buffered() >= this.opts.limit;
  }

  /** Resolves true when `sub` may be written again, false when it closed (or was dropped) meanwhile. */
  room(sub: Subscriber): Promise<boolean> {
    if (sub.closed) return Promise.resolve(false);
    if (!this.over(sub)) return Promise.resolve(true);
    this.release(sub, false);
    return new Promise((resolve) => {
      this.waiting.set(sub, { since: performance.now(), resolve });
      sub.sink.drained().then(() => {
        if (sub.closed || !this.over(sub)) this.release(sub, !sub.closed);
      });
      this.timer ??= setInterval(this.check, Math.max(1, Math.min(1000, this.opts.graceMs / CHECKS)));
      this.timer.unref?.();
    });
  }

  /** Stops waiting for `sub` (it closed). */
  forget(sub: Subscriber): void {
    this.release(sub, false);
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  close(): void {
    for (const sub of [...this.waiting.keys()]) this.release(sub, false);
  }

  private release(sub: Subscriber, room: boolean): void {
    const w = this.waiting.get(sub);
    if (!w) return;
    this.waiting.delete(sub);
    if (this.waiting.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    w.resolve(room);
  }

  private readonly check = (): void => {
    const now = performance.now();
    for (const [sub, w] of this.waiting) {
      if (sub.closed) this.release(sub, false);
      else if (!this.over(sub)) this.release(sub, true);
      else if (now - w.since >= this.opts.graceMs) {
        this.release(sub, false);
        this.opts.onSlow(sub);
      }
    }
  };
}
