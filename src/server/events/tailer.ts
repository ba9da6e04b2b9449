/**
 * The tailer: the only way events reach the hub. It follows the event log in id
 * order and hands the hub contiguous runs of events.
 *
 * - `offer()` is the same-process fast path: right after a commit the registry
 *   offers the events it just wrote; if they continue exactly where the tailer
 *   is, they are published without reading them back (they are committed, and
 *   contiguity proves nothing is missing before them). Otherwise it falls back
 *   to `wake()`.
 * - `wake()` reads the log after the last id seen (PostgreSQL's NOTIFY calls it
 *   on every instance; a slow periodic poll calls it too, so a missed wake-up
 *   only delays, never loses).
 */
import type { Store, StoredEvent } from "../store/store.js";
import type { Hub } from "./hub.js";

export interface TailerOptions {
  store: Pick<Store, "eventsAfter" | "eventBounds">;
  hub: Pick<Hub, "publish" | "skipTo" | "startAt">;
  /** Periodic catch-up read; 0 disables. */
  pollMs: number;
  onError?: (err: unknown) => void;
}

const PAGE = 1000;

export class Tailer {
  private last = 0;
  private reading: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: TailerOptions) {}

  get lastId(): number {
    return this.last;
  }

  /** Starts at the head of the log: streams opened from now on get what follows. */
  async start(): Promise<void> {
    const bounds = await this.opts.store.eventBounds();
    this.last = bounds.last;
    this.opts.hub.startAt(this.last);
    if (this.opts.pollMs > 0) {
      this.timer = setInterval(() => this.wake(), this.opts.pollMs);
      this.timer.unref();
    }
  }

  offer(events: StoredEvent[]): void {
    if (this.stopped || events.length === 0) return;
    if (events[0].id === this.last + 1) {
      this.publish(events);
    } else if (events[events.length - 1].id > this.last) {
      this.wake();
    }
  }

  private publish(events: StoredEvent[]): void {
    const run: StoredEvent[] = [];
    for (const e of events) {
      if (e.id <= this.last) continue;
      if (e.id !== this.last + 1) break;
      run.push(e);
      this.last = e.id;
    }
    if (run.length) this.opts.hub.publish(run);
  }

  /** Reads whatever the log holds after the last id seen. Calls made during a read coalesce into one more read. */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.readAll()
      .catch((err) => this.opts.onError?.(err))
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }

  private async readAll(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        const page = await this.opts.store.eventsAfter(this.last, PAGE);
        if (this.stopped) return;
        const fresh = page.filter((e) => e.id > this.last);
        if (fresh.length && fresh[0].id !== this.last + 1) {
          // A hole at the start: either the events were pruned before we saw them
          // (then every stream must refetch), or a writer is still committing (wait).
          const bounds = await this.opts.store.eventBounds();
          if (bounds.oldest !== null && bounds.oldest > this.last + 1) {
            this.last = bounds.oldest - 1;
            this.opts.hub.skipTo(this.last);
            continue;
          }
          break;
        }
        this.publish(fresh);
        if (page.length < PAGE) break;
      }
    } while (this.again && !this.stopped);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.reading;
  }
}
