/**
 * Fan-out of published events to the live streams, in flushes.
 *
 * Events published in the same turn of the event loop (or, under sustained
 * load, within `intervalMs`) go out together: every live stream gets one
 * socket write holding all the frames it wants, and streams with the same
 * filter share the same Buffer (one allocation per distinct filter per flush,
 * not per stream). A flush writes `slice` streams per turn of the event loop
 * and lets requests in between, so thousands of streams do not hold up the
 * API; the next flush waits until this one is written everywhere.
 */
import { chunk } from "./frame.js";
import type { Entry } from "./replay-window.js";
import type { Subscriber } from "./subscriber.js";

export interface FlushOptions {
  /** The live streams (the set may change between slices). */
  live: Set<Subscriber>;
  /** Hands `sub` one chunk holding `frames` event frames, the last of them event `sent`; the stream has then seen the log up to `last`. */
  deliver(sub: Subscriber, bytes: Buffer, frames: number, sent: number, last: number, now: number): void;
  /** Least time between two flushes (0: the next turn of the event loop). */
  intervalMs: number;
  /** Streams written per turn of the event loop. */
  slice: number;
}

interface Frames {
  bytes: Buffer;
  count: number;
  /** Id of the last frame. */
  sent: number;
}

interface InFlight {
  batch: Entry[];
  first: number;
  last: number;
  /**
   * The live streams, walked across slices. A Set's iterator survives changes:
   * streams removed meanwhile are not visited, and streams that went live
   * meanwhile are (and skipped, as they already have these events).
   */
  subs: Iterator<Subscriber>;
  /** Frames per filter key, shared by every stream with that filter. */
  shared: Map<string, Frames | null>;
}

export class Flusher {
  private pending: Entry[] = [];
  private scheduled = false;
  /** The flush being written, slice by slice (null when none). */
  private inFlight: InFlight | null = null;
  private lastFlushAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: FlushOptions) {}

  /** Queues events for the next flush and makes sure one is coming. The first event after a quiet spell goes out at once. */
  add(entries: Entry[]): void {
    for (const e of entries) this.pending.push(e);
    if (this.pending.length && !this.scheduled) this.schedule();
  }

  /** Everything added so far, written now: the flush in flight, then the pending events (reset, shutdown). */
  flushNow(): void {
    this.writeSlices(true);
    this.flush();
    this.writeSlices(true);
  }

  private schedule(): void {
    this.scheduled = true;
    const wait = this.lastFlushAt + this.opts.intervalMs - performance.now();
    if (wait < 1) setImmediate(this.flush);
    else this.timer = setTimeout(this.flush, wait);
  }

  /** Starts writing the pending events to every live stream (the timer's and setImmediate's entry point). */
  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A flush still writing its slices schedules the next one when it is done.
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.lastFlushAt = performance.now();
    this.inFlight = { batch, first: batch[0].id, last: batch[batch.length - 1].id, subs: this.opts.live.values(), shared: new Map() };
    this.writeSlices(false);
  };

  /** Writes the flush in flight, `slice` streams at a time, yielding between slices; `all` finishes it at once. */
  private writeSlices(all: boolean): void {
    const f = this.inFlight;
    if (!f) return;
    const now = performance.now();
    for (let n = 0; all || n < this.opts.slice; n++) {
      const step = f.subs.next();
      if (step.done) {
        this.inFlight = null;
        if (this.pending.length && !this.scheduled) this.schedule();
        return;
      }
      const sub = step.value;
      // Went live after the flush began: it got these events from the window already.
      if (sub.lastId >= f.last) continue;
      let out: Frames | null | undefined;
      if (sub.lastId < f.first) {
        out = f.shared.get(sub.key);
        if (out === undefined) {
          out = framesFor(sub, f.batch);
          f.shared.set(sub.key, out);
        }
      } else {
        out = framesFor(sub, f.batch.filter((e) => e.id > sub.lastId));
      }
      if (out) this.opts.deliver(sub, out.bytes, out.count, out.sent, f.last, now);
      else sub.lastId = f.last;
    }
    setImmediate(this.nextSlice);
  }

  private readonly nextSlice = (): void => this.writeSlices(false);
}

/** The chunk holding the frames of `entries` that `sub` wants, or null if none. */
function framesFor(sub: Subscriber, entries: Entry[]): Frames | null {
  const frames: Buffer[] = [];
  let sent = 0;
  for (const e of entries) {
    if (!sub.wants(e)) continue;
    frames.push(e.frame);
    sent = e.id;
  }
  return frames.length ? { bytes: chunk(frames), count: frames.length, sent } : null;
}
