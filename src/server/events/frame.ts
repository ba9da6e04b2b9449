/**
 * SSE frames, built once per event and written as the same bytes to every
 * subscriber. Streams are HTTP/1.1 chunked responses written straight to the
 * socket, so each write is pre-framed as one HTTP chunk here.
 *
 * Field injection: the `event:` value is one of our own type names, the `id:`
 * value a number we assigned, and `data:` is JSON.stringify output, which
 * escapes CR and LF inside strings, so nothing user-supplied can start a new
 * line in a frame.
 */
import type { ResetEvent } from "../../shared/events.js";
import type { StoredEvent } from "../store/store.js";

export function eventFrame(e: Pick<StoredEvent, "id" | "type" | "payload">): Buffer {
  return Buffer.from(`id: ${e.id}\nevent: ${e.type}\ndata: ${e.payload}\n\n`);
}

export function resetFrame(reset: ResetEvent): Buffer {
  return Buffer.from(`id: ${reset.cursor}\nevent: reset\ndata: ${JSON.stringify(reset)}\n\n`);
}

export function retryFrame(ms: number, comment?: string): Buffer {
  return Buffer.from(`retry: ${Math.round(ms)}\n${comment ? `: ${comment}\n` : ""}\n`);
}

/** One HTTP/1.1 chunk holding `body` (several frames may share one chunk). */
export function chunk(body: Buffer | Buffer[]): Buffer {
  const parts = Array.isArray(body) ? body : [body];
  const size = parts.reduce((n, b) => n + b.length, 0);
  const head = Buffer.from(`${size.toString(16)}\r\n`);
  return Buffer.concat([head, ...parts, CRLF], head.length + size + 2);
}

const CRLF = Buffer.from("\r\n");

/** Ends a chunked body. */
export const LAST_CHUNK = Buffer.from("0\r\n\r\n");

export const KEEPALIVE_CHUNK = chunk(Buffer.from(": keep-alive\n\n"));

/**
 * A bookmark: an `id:` line and no data. A WHATWG EventSource sets its last
 * event id from it and dispatches nothing (an empty data buffer is not an
 * event), so a quiet filtered stream's `Last-Event-ID` follows the log instead
 * of pointing at history that gets pruned.
 */
export function bookmarkChunk(id: number): Buffer {
  return chunk(Buffer.from(`id: ${id}\n\n`));
}

/** `retry:` with ±20 % jitter per connection, so a restart does not make every client reconnect at once. */
export function jitteredRetry(baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * (0.8 + 0.4 * random()));
}
