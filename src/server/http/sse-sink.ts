/**
 * One SSE connection on its raw socket. The route hijacks the reply, and from
 * then on this writes the HTTP response itself: the head once, then pre-built
 * chunks (the same Buffer for every subscriber), then the end. Skipping
 * Fastify's reply pipeline and Node's ServerResponse per write is what keeps
 * fan-out to thousands of sockets cheap.
 *
 * HTTP/1.1 clients get a chunked body. HTTP/1.0 has no chunked encoding, so an
 * HTTP/1.0 client gets a close-delimited body (no Transfer-Encoding,
 * `Connection: close`): the same chunks with their framing cut off (a view of
 * the shared Buffer, not a copy), and the end of the stream is the socket's.
 */
import type { Socket } from "node:net";
import type { Sink } from "../events/subscriber.js";
import { LAST_CHUNK, chunk, retryFrame } from "../events/frame.js";

const HEAD_FIELDS =
  "HTTP/1.1 200 OK\r\n" +
  "Content-Type: text/event-stream; charset=utf-8\r\n" +
  "Cache-Control: no-cache, no-transform\r\n" +
  "X-Accel-Buffering: no\r\n";

export const SSE_HEAD = `${HEAD_FIELDS}Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n`;

/** The stream's headers as a header object, for answers Fastify writes (HEAD). */
export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

export type Framing = "chunked" | "close";

/** Chunked for HTTP/1.1 and later, close-delimited for HTTP/1.0. */
export function framingFor(httpVersion: string): Framing {
  return httpVersion === "1.0" || httpVersion === "0.9" ? "close" : "chunked";
}

/** The body bytes inside one HTTP/1.1 chunk as built by `chunk()`. */
export function unchunk(bytes: Buffer): Buffer {
  const start = bytes.indexOf(0x0a) + 1;
  return bytes.subarray(start, bytes.length - 2);
}

export class SocketSink implements Sink {
  private ended = false;
  private draining: Promise<void> | null = null;

  constructor(
    private readonly socket: Socket,
    readonly client: string,
    private readonly framing: Framing = "chunked",
  ) {}

  /** Sends the response head and the first bytes (`retry:` and a comment), so clients see the stream open at once. */
  open(extraHeaders: string, first: Buffer): void {
    this.socket.setNoDelay(true);
    this.socket.setTimeout(0);
    this.socket.setKeepAlive(true, 30_000);
    this.socket.cork();
    const head = this.framing === "chunked" ? SSE_HEAD : `${HEAD_FIELDS}Connection: close\r\n`;
    this.socket.write(`${head}${extraHeaders}\r\n`);
    this.write(chunk(first));
    this.socket.uncork();
  }

  write(bytes: Buffer): number {
    if (!this.ended && !this.socket.destroyed) this.socket.write(this.framing === "chunked" ? bytes : unchunk(bytes));
    return this.socket.writableLength;
  }

  buffered(): number {
    return this.socket.writableLength;
  }

  /** One pending promise (one pair of listeners) however often it is asked for. */
  drained(): Promise<void> {
    if (this.socket.writableLength === 0 || this.socket.destroyed) return Promise.resolve();
    this.draining ??= new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        this.draining = null;
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
    return this.draining;
  }

  end(retryMs?: number): void {
    if (this.ended || this.socket.destroyed) return;
    if (retryMs !== undefined) this.write(chunk(retryFrame(retryMs, "server closing")));
    this.ended = true;
    if (this.framing === "chunked") this.socket.end(LAST_CHUNK);
    else this.socket.end();
  }

  destroy(): void {
    this.ended = true;
    this.socket.destroy();
  }
}
