/**
 * One SSE connection on its raw socket. The route hijacks the reply, and from
 * then on this writes the HTTP/1.1 response itself: the head once, then
 * pre-built chunks (the same Buffer for every subscriber), then the last chunk.
 * Skipping Fastify's reply pipeline and Node's ServerResponse per write is what
 * keeps fan-out to thousands of sockets cheap.
 */
import type { Socket } from "node:net";
import type { Sink } from "../events/hub.js";
import { LAST_CHUNK, chunk, retryFrame } from "../events/frame.js";

export const SSE_HEAD =
  "HTTP/1.1 200 OK\r\n" +
  "Content-Type: text/event-stream; charset=utf-8\r\n" +
  "Cache-Control: no-cache, no-transform\r\n" +
  "X-Accel-Buffering: no\r\n" +
  "Connection: keep-alive\r\n" +
  "Transfer-Encoding: chunked\r\n";

export class SocketSink implements Sink {
  private ended = false;

  constructor(
    private readonly socket: Socket,
    readonly client: string,
  ) {}

  /** Sends the response head and the first bytes (`retry:` and a comment), so clients see the stream open at once. */
  open(extraHeaders: string, first: Buffer): void {
    this.socket.setNoDelay(true);
    this.socket.setTimeout(0);
    this.socket.setKeepAlive(true, 30_000);
    this.socket.cork();
    this.socket.write(`${SSE_HEAD}${extraHeaders}\r\n`);
    this.socket.write(chunk(first));
    this.socket.uncork();
  }

  write(bytes: Buffer): number {
    if (!this.ended && !this.socket.destroyed) this.socket.write(bytes);
    return this.socket.writableLength;
  }

  buffered(): number {
    return this.socket.writableLength;
  }

  drained(): Promise<void> {
    if (this.socket.writableLength === 0 || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  end(retryMs?: number): void {
    if (this.ended || this.socket.destroyed) return;
    this.ended = true;
    if (retryMs !== undefined) this.socket.write(chunk(retryFrame(retryMs, "server closing")));
    this.socket.end(LAST_CHUNK);
  }

  destroy(): void {
    this.ended = true;
    this.socket.destroy();
  }
}
