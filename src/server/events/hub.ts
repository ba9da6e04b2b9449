/**
 * The hub: in-memory fan-out of the event log to every open stream.
 *
 * - It learns events only from the tailer, in id order, and keeps the most
 *   recent ones, already framed, in a replay window (replay-window.ts).
 * - Each event is framed once; published events go out to the live streams in
 *   sliced flushes that share one Buffer per filter (flush.ts).
 * - Publishing never waits for a subscriber. A live stream whose socket has no
 *   room for the next flush leaves the live set and catches up from its last
 *   id once it has (catch-up.ts); one whose queue stays over the limit for
 *   the grace period is dropped as a slow consumer (backpressure.ts), and its
 *   client resumes with Last-Event-ID. Memory stays bounded whatever clients do.
 * - Resume: the log's bounds decide whether the point is retained
 *   (resume-rule.ts, the same rule `/events/history` uses); a retained point is
 *   caught up from the store and then the window, paced by the socket, and
 *   switched to live with no gap and no duplicate; any other gets a `reset`.
 * - One shared keep-alive timer for all streams. It writes a comment only to
 *   streams that have been quiet for most of the interval and have nothing
 *   queued, so no stream is silent longer than `keepaliveMs`, and busy streams
 *   get none: under load there is no burst of keep-alive writes for an event to
 *   wait behind.
 * - Bookmarks: a quiet live stream whose position in the log has moved past
 *   the last id its client holds (a filter that matched nothing lately) gets a
 *   bookmark instead of the keep-alive comment: an `id:` line without data,
 *   which moves the client's Last-Event-ID without firing an event. So a
 *   stream quiet for hours resumes from near the head, not from a point the
 *   log has pruned since (which would cost it a needless `reset`).
 */
import type { ResetEvent } from "../../shared/events.js";
import type { EventFilter, Store, StoredEvent } from "../store/store.js";
import { Backpressure } from "./backpressure.js";
import { Flusher } from "./flush.js";
import { catchUp, type CatchUpHost } from "./catch-up.js";
import { KEEPALIVE_CHUNK, bookmarkChunk, chunk, eventFrame, resetFrame } from "./frame.js";
import { ReplayWindow, type Entry } from "./replay-window.js";
import { judgeResume } from "./resume-rule.js";
import { Subscriber, type Sink } from "./subscriber.js";

export { Subscriber, type Sink } from "./subscriber.js";

export interface HubMetrics {
  published: number;
  delivered: number;
  slowConsumerDisconnects: number;
  replays: number;
  resets: number;
  bookmarks: number;
  streamsOpened: number;
}

export interface HubOptions {
  store: Pick<Store, "eventsAfter" | "eventBounds">;
  /** Events kept framed in memory for replay (default 10,000, at most 16 MiB); older ones are replayed from the store. */
  windowSize?: number;
  windowMaxBytes?: number;
  keepaliveMs: number;
  /** Bytes queued on a stream's socket past which the hub stops writing to it until it drains. */
  maxBufferedBytes: number;
  /** How long a stream may stay over `maxBufferedBytes` before it is dropped as a slow consumer (default 5 s). */
  slowConsumerGraceMs?: number;
  /**
   * Least time between two flushes (default 0: flush on the next turn of the
   * event loop). The first event after a quiet spell is always flushed at once;
   * only under sustained load do events wait, at most this long, so that each
   * subscriber gets several in one socket write instead of one write each.
   */
  flushIntervalMs?: number;
  /** Streams written per turn of the event loop during a flush (default 500); requests are served between slices. */
  flushSlice?: number;
  onError?: (err: unknown) => void;
}

/** The keep-alive timer looks for quiet streams this many times per interval. */
const KEEPALIVE_TICKS = 4;

export class Hub {
  readonly metrics: HubMetrics = { published: 0, delivered: 0, slowConsumerDisconnects: 0, replays: 0, resets: 0, bookmarks: 0, streamsOpened: 0 };
  private readonly all = new Set<Subscriber>();
  private readonly live = new Set<Subscriber>();
  private readonly perClient = new Map<string, number>();
  private readonly window: ReplayWindow;
  private readonly backpressure: Backpressure;
  private readonly catchUpHost: CatchUpHost;
  private readonly flusher: Flusher;
  private keepalive: NodeJS.Timeout | null = null;
  private closing = false;
  /** Id of the newest event published to the hub. */
  lastId = 0;

  constructor(private readonly opts: HubOptions) {
    this.window = new ReplayWindow(opts.windowSize ?? 10_000, opts.windowMaxBytes ?? 16 * 1024 * 1024);
    this.flusher = new Flusher({
      live: this.live,
      deliver: (sub, bytes, frames, sent, last, now) => this.deliver(sub, bytes, frames, sent, last, now),
      intervalMs: opts.flushIntervalMs ?? 0,
      slice: opts.flushSlice ?? 500,
    });
    this.backpressure = new Backpressure({
      limit: opts.maxBufferedBytes,
      graceMs: opts.slowConsumerGraceMs ?? 5000,
      onSlow: (sub) => {
        this.metrics.slowConsumerDisconnects++;
        this.remove(sub);
        sub.sink.destroy();
      },
    });
    this.catchUpHost = {
      store: opts.store,
      window: this.window,
      backpressure: this.backpressure,
      head: () => this.lastId,
      write: (sub, bytes, frames) => this.write(sub, bytes, frames),
      goLive: (sub, lastId) => this.goLive(sub, lastId),
      reset: (sub, reason, requested) => this.sendReset(sub, reason, requested),
    };
  }

  get size(): number {
    return this.all.size;
  }

  countFor(client: string): number {
    return this.perClient.get(client) ?? 0;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /**
   * Every keepaliveMs / KEEPALIVE_TICKS, a comment to each stream nothing was
   * written to for the rest of the interval: the longest silence is keepaliveMs.
   * A stream with bytes still queued is not silent (and would only queue more).
   * A live stream whose client holds an id older than its position gets a
   * bookmark instead (one Buffer per position per tick, shared).
   */
  startKeepalive(): void {
    if (this.keepalive) return;
    const every = this.opts.keepaliveMs / KEEPALIVE_TICKS;
    this.keepalive = setInterval(() => {
      const now = performance.now();
      const quietSince = now - (this.opts.keepaliveMs - every);
      const bookmarks = new Map<number, Buffer>();
      for (const sub of this.all) {
        if (sub.lastWriteAt > quietSince || sub.sink.buffered() !== 0) continue;
        if (!sub.live || sub.lastId <= sub.sentId) {
          this.write(sub, KEEPALIVE_CHUNK, 0, now);
          continue;
        }
        let bytes = bookmarks.get(sub.lastId);
        if (!bytes) bookmarks.set(sub.lastId, (bytes = bookmarkChunk(sub.lastId)));
        sub.sentId = sub.lastId;
        this.metrics.bookmarks++;
        this.write(sub, bytes, 0, now);
      }
    }, every);
    this.keepalive.unref();
  }

  /** The log's head when the tailer starts: streams without a resume point start here. */
  startAt(id: number): void {
    this.lastId = id;
  }

  /** Called by the tailer with contiguous events in id order. */
  publish(events: StoredEvent[]): void {
    const fresh: Entry[] = [];
    for (const e of events) {
      if (e.id <= this.lastId) continue;
      const entry: Entry = { id: e.id, type: e.type, agentId: e.agentId, frame: eventFrame(e) };
      this.window.push(entry);
      fresh.push(entry);
      this.lastId = e.id;
      this.metrics.published++;
    }
    this.window.trim();
    this.flusher.add(fresh);
  }

  /** Drops the in-memory replay window: resumes then replay from the store (tests, and memory pressure). */
  forgetWindow(): void {
    this.window.forget();
  }

  /** The log lost events the hub never saw (pruned while the tailer lagged): every stream must refetch. */
  skipTo(cursor: number): void {
    this.flusher.flushNow();
    this.forgetWindow();
    this.lastId = cursor;
    for (const sub of this.live) this.sendReset(sub, "history_pruned", sub.lastId);
  }

  /**
   * Live events for `sub`. When they do not fit under the socket limit the
   * stream is held instead: it leaves the live set and catches up from its
   * last id, in pieces, once its socket has room (or is dropped if it never
   * gets any). So a burst is never a reason to drop a reader, and a socket
   * never holds more than the limit plus one frame.
   */
  private deliver(sub: Subscriber, bytes: Buffer, frames: number, sent: number, last: number, now: number): void {
    if (sub.closed) return;
    if (sub.sink.buffered() + bytes.length > this.opts.maxBufferedBytes) return this.hold(sub);
    sub.lastId = last;
    sub.sentId = sent;
    this.write(sub, bytes, frames, now);
  }

  private hold(sub: Subscriber): void {
    sub.live = false;
    this.live.delete(sub);
    this.runCatchUp(sub, sub.lastId);
  }

  /** Writes one chunk; a live stream it takes over the limit is held. */
  private write(sub: Subscriber, bytes: Buffer, frames = 0, now = performance.now()): void {
    if (sub.closed) return;
    sub.lastWriteAt = now;
    sub.sink.write(bytes);
    this.metrics.delivered += frames;
    if (sub.live && this.backpressure.over(sub)) this.hold(sub);
  }

  /**
   * Adds a stream (synchronously, so its owner can hook the socket's close at
   * once); `ready` settles when it is live. Without `resumeFrom` it starts live at the current head;
   * with it, it first receives every matching event after that id (or a reset).
   */
  subscribe(sink: Sink, filter: EventFilter, resumeFrom?: number): { subscriber: Subscriber; ready: Promise<void> } {
    const sub = new Subscriber(sink, filter);
    // The route has just written the response head and a first comment.
    sub.lastWriteAt = performance.now();
    this.all.add(sub);
    this.perClient.set(sink.client, this.countFor(sink.client) + 1);
    this.metrics.streamsOpened++;
    if (resumeFrom === undefined) {
      this.goLive(sub, this.lastId);
      return { subscriber: sub, ready: Promise.resolve() };
    }
    this.metrics.replays++;
    // The client holds the id it resumes from (a fresh client holds none: 0).
    sub.sentId = resumeFrom;
    return { subscriber: sub, ready: this.guarded(sub, () => this.resume(sub, resumeFrom)) };
  }

  private async resume(sub: Subscriber, from: number): Promise<void> {
    const verdict = judgeResume(from, await this.opts.store.eventBounds());
    if (sub.closed) return;
    if (verdict !== "retained") return this.sendReset(sub, verdict, from);
    // At or past this instance's head: nothing to replay (an id committed but
    // not yet seen by this instance's tailer comes live).
    if (from >= this.lastId) return this.goLive(sub, from);
    await catchUp(this.catchUpHost, sub, from);
  }

  private runCatchUp(sub: Subscriber, from: number): void {
    void this.guarded(sub, () => catchUp(this.catchUpHost, sub, from));
  }

  /** A failed catch-up (the store is away) drops the stream: its client resumes later. */
  private guarded(sub: Subscriber, run: () => Promise<void>): Promise<void> {
    return run().catch((err) => {
      this.opts.onError?.(err);
      this.remove(sub);
      sub.sink.destroy();
    });
  }

  private sendReset(sub: Subscriber, reason: ResetEvent["reason"], requested: number): void {
    this.metrics.resets++;
    // Live now, so a reset that takes the queue over the limit holds the stream like any live write.
    this.goLive(sub, this.lastId);
    sub.sentId = this.lastId;
    this.write(sub, chunk(resetFrame({ type: "reset", cursor: this.lastId, reason, requested })), 1);
  }

  private goLive(sub: Subscriber, lastId: number): void {
    if (sub.closed) return;
    sub.lastId = lastId;
    sub.live = true;
    this.live.add(sub);
  }

  /** Forgets a stream (its connection closed). Idempotent. */
  remove(sub: Subscriber): void {
    if (sub.closed) return;
    sub.closed = true;
    this.all.delete(sub);
    this.live.delete(sub);
    this.backpressure.forget(sub);
    const n = this.countFor(sub.sink.client) - 1;
    if (n > 0) this.perClient.set(sub.sink.client, n);
    else this.perClient.delete(sub.sink.client);
  }

  /**
   * Closes every stream, spread over `spreadMs` so clients do not all reconnect
   * at the same instant, each with a jittered `retry:` hint.
   */
  async shutdown(spreadMs: number, retryMs: number): Promise<void> {
    this.closing = true;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    this.flusher.flushNow();
    const subs = [...this.all];
    const slices = Math.max(1, Math.min(10, subs.length));
    const per = Math.ceil(subs.length / slices);
    for (let i = 0; i < slices; i++) {
      for (const sub of subs.slice(i * per, (i + 1) * per)) {
        this.remove(sub);
        sub.sink.end(Math.round(retryMs * (0.5 + Math.random())));
      }
      if (i < slices - 1) await new Promise((r) => setTimeout(r, spreadMs / slices));
    }
    this.backpressure.close();
  }

  /**
   * For tests and /metrics: the subscriber and timer state. `behind`: the live
   * streams whose client holds an id older than their position (due a bookmark
   * when quiet); `oldestHeld`: the oldest id a live stream's client holds (where
   * the furthest-back reconnect would resume), null with no live stream.
   */
  inspect() {
    let behind = 0;
    let oldestHeld: number | null = null;
    for (const sub of this.live) {
      if (sub.lastId > sub.sentId) behind++;
      oldestHeld = Math.min(oldestHeld ?? sub.sentId, sub.sentId);
    }
    return { subscribers: this.all.size, live: this.live.size, clients: this.perClient.size, keepaliveTimer: this.keepalive !== null, window: this.window.size, behind, oldestHeld };
  }
}
