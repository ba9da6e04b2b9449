/**
 * Catch-up: bringing one stream from its cursor to the live head, paced by its
 * socket. Events come from the store while the cursor is older than the replay
 * window, then from the window; they are written in pieces of about
 * PIECE_BYTES, and before each piece the stream waits for room on its socket
 * (backpressure.ts), so a reader that keeps reading takes in any backlog without
 * being dropped, and memory stays bounded by the socket limit plus one store
 * page (about PAGE_BYTES, read by bytes as well as by count).
 *
 * The switch to live happens synchronously once the cursor reaches the head the
 * hub has published: whatever the hub publishes after that is flushed to the
 * stream live, and whatever it published before was in the window, so there is
 * no gap and no duplicate. Store pages are checked against the log's bounds as
 * they are read: events pruned under a long catch-up give a `reset`, never a
 * silent hole.
 */
import type { ResetEvent } from "../../shared/events.js";
import type { Store } from "../store/store.js";
import type { Backpressure } from "./backpressure.js";
import { chunk } from "./frame.js";
import type { ReplayWindow } from "./replay-window.js";
import { judgeResume } from "./resume-rule.js";
import { entryOf, UNKNOWN } from "./standing.js";
import type { Subscriber } from "./subscriber.js";

/** Most bytes of frames per write while catching up (a single larger frame is written whole). */
export const PIECE_BYTES = 64 * 1024;
/** Most events per store read. */
const PAGE = 500;
/**
 * Bytes of events a store read aims for. A page is held until the stream has
 * taken all of it, so it is sized by bytes, not only by count: 500 events of
 * 60 KB would hold 30 MB (twice, framed) for each stream catching up.
 */
export const PAGE_BYTES = 1024 * 1024;
/** The first read of a catch-up, before the size of its events is known. */
const FIRST_PAGE = 16;
/** Yield to the event loop after this many bytes even when the socket keeps up, so one catch-up does not hold up the rest. */
const YIELD_BYTES = 1024 * 1024;

export interface CatchUpHost {
  readonly store: Pick<Store, "eventsAfter" | "eventBounds">;
  readonly window: ReplayWindow;
  readonly backpressure: Backpressure;
  /** Id of the newest event the hub has published. */
  head(): number;
  write(sub: Subscriber, bytes: Buffer, frames: number): void;
  goLive(sub: Subscriber, lastId: number): void;
  reset(sub: Subscriber, reason: ResetEvent["reason"], requested: number): void;
}

export async function catchUp(host: CatchUpHost, sub: Subscriber, from: number): Promise<void> {
  let cursor = from;
  let sinceYield = 0;
  let pageSize = FIRST_PAGE;
  /** Bytes the next piece may hold: what is left under the limit, at most PIECE_BYTES. */
  const budget = () => Math.min(PIECE_BYTES, host.backpressure.limit - sub.sink.buffered());
  const send = async (frames: Buffer[]): Promise<boolean> => {
    host.write(sub, chunk(frames), frames.length);
    for (const f of frames) sinceYield += f.length;
    if (sinceYield >= YIELD_BYTES) {
      sinceYield = 0;
      await new Promise((r) => setImmediate(r));
    }
    return !sub.closed;
  };

  while (!sub.closed) {
    const head = host.head();
    if (host.window.covers(cursor, head)) {
      // Room first, then take the piece and go live in the same turn as reading the window.
      if (!(await host.backpressure.room(sub))) return;
      if (cursor >= host.head()) return host.goLive(sub, Math.max(cursor, host.head()));
      if (!host.window.covers(cursor, host.head())) continue;
      const piece = host.window.piece(cursor, (e) => sub.pick(e), budget());
      if (piece.unknown) return host.reset(sub, "match_unknown", cursor);
      cursor = piece.last;
      if (piece.frames.length && !(await send(piece.frames))) return;
      continue;
    }
    const limit = pageSize;
    const page = await host.store.eventsAfter(cursor, limit, sub.filter);
    const bounds = await host.store.eventBounds();
    if (sub.closed) return;
    // Read after the page: if the cursor is retained now, it was when the page was read.
    if (judgeResume(cursor, bounds) === "history_pruned") return host.reset(sub, "history_pruned", cursor);
    const events = page.filter((e) => e.id <= head);
    const bytes = page.reduce((n, e) => n + e.payload.length, 0);
    pageSize = Math.max(1, Math.min(PAGE, bytes > 0 ? Math.floor((limit * PAGE_BYTES) / bytes) : PAGE));
    // The same entries and the same choice of frame as the live flush: a resumed selector stream gets the same `match`.
    const frames: Buffer[] = [];
    const ids: number[] = [];
    for (const e of events) {
      const frame = sub.pick(entryOf(e));
      if (frame === UNKNOWN) return host.reset(sub, "match_unknown", cursor);
      if (frame) frames.push(frame), ids.push(e.id);
    }
    let i = 0;
    while (i < frames.length) {
      if (!(await host.backpressure.room(sub))) return;
      const max = budget();
      const start = i;
      for (let size = 0; i < frames.length && (i === start || size + frames[i].length <= max); i++) size += frames[i].length;
      if (!(await send(frames.slice(start, i)))) return;
      cursor = ids[i - 1];
    }
    // A short page (or one cut at the head) holds every matching event up to the head.
    cursor = page.length < limit || events.length < page.length ? head : page[page.length - 1].id;
  }
}
