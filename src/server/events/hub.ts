/**
 * The hub: in-memory fan-out of the event log to every open stream.
 *
 * - It learns events only from the tailer, in id order, and keeps the most
 *   recent ones, already framed, in a replay window.
 * - Each event is framed once. Events published in the same turn of the event
 *   loop are flushed together: every subscriber gets one socket write holding
 *   all the frames it wants, and subscribers with the same filter share the
 *   same Buffer (one allocation per distinct filter per flush, not per
 *   subscriber). A flush writes 500 streams per turn of the event loop and lets
 *   requests in between, so thousands of streams do not hold up the API; the
 *   next flush waits until this one is written everywhere.
 * - Publishing never waits for a subscriber: a subscriber whose socket has more
 *   than the configured bytes queued is disconnected (its client resumes with
 *   Last-Event-ID), so memory stays bounded whatever clients do.
 * - Resume: replay from the window when it reaches back far enough, else from
 *   the store page by page (waiting for the socket to drain), then switch to
 *   live with no gap and no duplicate (every subscriber remembers the last id it
 *   was sent, and the switch happens synchronously against the window). A
 *   resume point older than the log or newer than anything committed gets a
 *   `reset` frame instead.
 * - One shared keep-alive timer for all streams. It writes a comment only to
 *   streams that have been quiet for most of the interval, so no stream is
 *   silent longer than `keepaliveMs`, and busy streams get none: under load
 *   there is no burst of keep-alive writes for an event to wait behind.
 */
import type { EventType, ResetEvent } from "../../shared/events.js";
import type { EventFilter, Store, StoredEvent } from "../store/store.js";
import { KEEPALIVE_CHUNK, chunk, eventFrame, resetFrame } from "./frame.js";

/** The socket side of one stream, as the hub sees it. Writes take pre-chunked bytes. */
export interface Sink {
  /** Client address, for the per-client cap. */
  readonly client: string;
  /** Writes and returns the bytes now queued on the socket. */
  write(bytes: Buffer): number;
  /** Bytes queued on the socket. */
  buffered(): number;
  /** Resolves when the socket's queue has drained (or the socket closed). */
  drained(): Promise<void>;
  /** Ends the stream cleanly, with an optional `retry:` hint. */
  end(retryMs?: number): void;
  /** Drops the connection at once (slow consumer). */
  destroy(): void;
}

interface Frames {
  bytes: Buffer;
  count: number;
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

interface Entry {
  id: number;
  type: EventType;
  agentId: string;
  frame: Buffer;
}

export interface HubMetrics {
  published: number;
  delivered: number;
  slowConsumerDisconnects: number;
  replays: number;
  resets: number;
  streamsOpened: number;
}

export interface HubOptions {
  store: Pick<Store, "eventsAfter" | "eventBounds">;
  /** Events kept framed in memory for replay (default 10,000, at most 16 MiB); older ones are replayed from the store. */
  windowSize?: number;
  windowMaxBytes?: number;
  keepaliveMs: number;
  maxBufferedBytes: number;
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

export class Subscriber {
  /** Last event id this subscriber was sent (or chose to skip to). */
  lastId = 0;
  /** When the hub last wrote to this stream (performance.now()). */
  lastWriteAt = 0;
  live = false;
  closed = false;
  readonly key: string;
  private readonly types: Set<string> | null;
  private readonly agents: Set<string> | null;

  constructor(
    readonly sink: Sink,
    filter: EventFilter,
  ) {
    this.types = filter.types?.length ? new Set(filter.types) : null;
    this.agents = filter.agentIds?.length ? new Set(filter.agentIds) : null;
    this.key = `${[...(this.types ?? [])].sort().join(",")}|${[...(this.agents ?? [])].sort().join(",")}`;
  }

  get filter(): EventFilter {
    return { types: this.types ? ([...this.types] as EventType[]) : undefined, agentIds: this.agents ? [...this.agents] : undefined };
  }

  wants(e: { type: string; agentId: string }): boolean {
    return (this.types === null || this.types.has(e.type)) && (this.agents === null || this.agents.has(e.agentId));
  }
}

const PAGE = 500;
/** The keep-alive timer looks for quiet streams this many times per interval. */
const KEEPALIVE_TICKS = 4;

export class Hub {
  readonly metrics: HubMetrics = { published: 0, delivered: 0, slowConsumerDisconnects: 0, replays: 0, resets: 0, streamsOpened: 0 };
  private readonly all = new Set<Subscriber>();
  private readonly live = new Set<Subscriber>();
  private readonly perClient = new Map<string, number>();
  private window: Entry[] = [];
  private windowStart = 0;
  private windowBytes = 0;
  private readonly windowMaxBytes: number;
  private pending: Entry[] = [];
  private flushScheduled = false;
  /** The flush being written, slice by slice (null when none). */
  private inFlight: InFlight | null = null;
  private readonly flushSlice: number;
  private lastFlushAt = -Infinity;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly flushIntervalMs: number;
  private keepalive: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly windowSize: number;
  /** Id of the newest event published to the hub. */
  lastId = 0;

  constructor(private readonly opts: HubOptions) {
    this.windowSize = opts.windowSize ?? 10_000;
    this.windowMaxBytes = opts.windowMaxBytes ?? 16 * 1024 * 1024;
    this.flushIntervalMs = opts.flushIntervalMs ?? 0;
    this.flushSlice = opts.flushSlice ?? 500;
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
   */
  startKeepalive(): void {
    if (this.keepalive) return;
    const every = this.opts.keepaliveMs / KEEPALIVE_TICKS;
    this.keepalive = setInterval(() => {
      const now = performance.now();
      const quietSince = now - (this.opts.keepaliveMs - every);
      for (const sub of this.all) if (sub.lastWriteAt <= quietSince) this.write(sub, KEEPALIVE_CHUNK, 0, now);
    }, every);
    this.keepalive.unref();
  }

  /** The log's head when the tailer starts: streams without a resume point start here. */
  startAt(id: number): void {
    this.lastId = id;
  }

  /** Called by the tailer with contiguous events in id order. */
  publish(events: StoredEvent[]): void {
    for (const e of events) {
      if (e.id <= this.lastId) continue;
      const entry: Entry = { id: e.id, type: e.type, agentId: e.agentId, frame: eventFrame(e) };
      this.window.push(entry);
      this.windowBytes += entry.frame.length;
      this.pending.push(entry);
      this.lastId = e.id;
      this.metrics.published++;
    }
    this.trimWindow();
    if (this.pending.length && !this.flushScheduled) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushScheduled = true;
    const wait = this.lastFlushAt + this.flushIntervalMs - performance.now();
    if (wait < 1) setImmediate(this.flush);
    else this.flushTimer = setTimeout(this.flush, wait);
  }

  /** Keeps the replay window within its count and byte bounds (older events are replayed from the store). */
  private trimWindow(): void {
    while (this.window.length - this.windowStart > this.windowSize || this.windowBytes > this.windowMaxBytes) {
      this.windowBytes -= this.window[this.windowStart].frame.length;
      this.windowStart++;
    }
    if (this.windowStart > 1024 && this.windowStart * 2 > this.window.length) {
      this.window = this.window.slice(this.windowStart);
      this.windowStart = 0;
    }
  }

  /** Drops the in-memory replay window: resumes then replay from the store (tests, and memory pressure). */
  forgetWindow(): void {
    this.window = [];
    this.windowStart = 0;
    this.windowBytes = 0;
  }

  /** The log lost events the hub never saw (pruned while the tailer lagged): every stream must refetch. */
  skipTo(cursor: number): void {
    this.flushNow();
    this.forgetWindow();
    this.lastId = cursor;
    for (const sub of this.live) this.sendReset(sub, "history_pruned", sub.lastId);
  }

  /** Starts writing the pending events to every live stream (the timer's and setImmediate's entry point). */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    // A flush still writing its slices schedules the next one when it is done.
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.lastFlushAt = performance.now();
    this.inFlight = { batch, first: batch[0].id, last: batch[batch.length - 1].id, subs: this.live.values(), shared: new Map() };
    this.writeSlices(false);
  };

  /**
   * Writes the flush in flight, `flushSlice` streams at a time, yielding to the
   * event loop between slices (so requests are answered while thousands of
   * streams are written); `all` finishes it at once (shutdown, reset).
   */
  private writeSlices(all: boolean): void {
    const f = this.inFlight;
    if (!f) return;
    const now = performance.now();
    for (let n = 0; all || n < this.flushSlice; n++) {
      const step = f.subs.next();
      if (step.done) {
        this.inFlight = null;
        if (this.pending.length && !this.flushScheduled) this.scheduleFlush();
        return;
      }
      const sub = step.value;
      // Went live after the flush began: it got these events from the window already.
      if (sub.lastId >= f.last) continue;
      let out: Frames | null | undefined;
      if (sub.lastId < f.first) {
        out = f.shared.get(sub.key);
        if (out === undefined) {
          out = this.framesFor(sub, f.batch);
          f.shared.set(sub.key, out);
        }
      } else {
        out = this.framesFor(sub, f.batch.filter((e) => e.id > sub.lastId));
      }
      sub.lastId = f.last;
      if (out) this.write(sub, out.bytes, out.count, now);
    }
    setImmediate(this.nextSlice);
  }

  private readonly nextSlice = (): void => this.writeSlices(false);

  /** Everything published so far, written now: the flush in flight, then the pending events. */
  private flushNow(): void {
    this.writeSlices(true);
    this.flush();
    this.writeSlices(true);
  }

  /** The chunk holding the frames of `entries` that `sub` wants, or null if none. */
  private framesFor(sub: Subscriber, entries: Entry[]): Frames | null {
    const frames: Buffer[] = [];
    for (const e of entries) if (sub.wants(e)) frames.push(e.frame);
    return frames.length ? { bytes: chunk(frames), count: frames.length } : null;
  }

  private write(sub: Subscriber, bytes: Buffer, frames = 0, now = performance.now()): void {
    if (sub.closed) return;
    sub.lastWriteAt = now;
    const queued = sub.sink.write(bytes);
    this.metrics.delivered += frames;
    if (queued > this.opts.maxBufferedBytes) {
      this.metrics.slowConsumerDisconnects++;
      this.remove(sub);
      sub.sink.destroy();
    }
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
    const ready = this.catchUp(sub, resumeFrom).catch((err) => {
      this.opts.onError?.(err);
      this.remove(sub);
      sink.destroy();
    });
    return { subscriber: sub, ready };
  }

  private oldestInWindow(): number {
    return this.window.length > this.windowStart ? this.window[this.windowStart].id : this.lastId + 1;
  }

  private async catchUp(sub: Subscriber, resumeFrom: number): Promise<void> {
    if (resumeFrom <= this.lastId && resumeFrom >= this.oldestInWindow() - 1) {
      this.replayWindow(sub, resumeFrom);
      return;
    }
    const bounds = await this.opts.store.eventBounds();
    if (sub.closed) return;
    if (resumeFrom > bounds.last) return this.sendReset(sub, "unknown_event_id", resumeFrom);
    if (resumeFrom >= this.lastId) {
      // Committed but not yet seen by this instance's tailer: wait for it live.
      this.goLive(sub, resumeFrom);
      return;
    }
    const oldest = bounds.oldest ?? bounds.last + 1;
    if (resumeFrom < oldest - 1) return this.sendReset(sub, "history_pruned", resumeFrom);
    let cursor = resumeFrom;
    while (!sub.closed) {
      if (cursor >= this.oldestInWindow() - 1) {
        this.replayWindow(sub, cursor);
        return;
      }
      const upTo = this.lastId;
      const page = await this.opts.store.eventsAfter(cursor, PAGE, sub.filter);
      if (sub.closed) return;
      const frames = page.filter((e) => e.id <= upTo).map(eventFrame);
      if (frames.length) this.write(sub, chunk(frames), frames.length);
      cursor = page.length < PAGE || frames.length < page.length ? upTo : page[page.length - 1].id;
      if (sub.sink.buffered() > this.opts.maxBufferedBytes / 2) await sub.sink.drained();
    }
  }

  /** Synchronous: writes the window's events after `cursor` and turns the subscriber live, so nothing published in between is missed or repeated. */
  private replayWindow(sub: Subscriber, cursor: number): void {
    const frames: Buffer[] = [];
    for (let i = this.windowStart; i < this.window.length; i++) {
      const e = this.window[i];
      if (e.id > cursor && sub.wants(e)) frames.push(e.frame);
    }
    if (frames.length) this.write(sub, chunk(frames), frames.length);
    this.goLive(sub, this.lastId);
  }

  private sendReset(sub: Subscriber, reason: ResetEvent["reason"], requested: number): void {
    this.metrics.resets++;
    this.write(sub, chunk(resetFrame({ type: "reset", cursor: this.lastId, reason, requested })), 1);
    this.goLive(sub, this.lastId);
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
    this.flushNow();
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
  }

  /** For tests and /metrics: the subscriber and timer state. */
  inspect() {
    return { subscribers: this.all.size, live: this.live.size, clients: this.perClient.size, keepaliveTimer: this.keepalive !== null, window: this.window.length - this.windowStart };
  }
}
