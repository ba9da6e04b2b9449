/**
 * One open stream as the hub sees it: the socket side (a `Sink`), its filter,
 * and where it is in the log.
 */
import type { EventType } from "../../shared/events.js";
import type { EventFilter } from "../store/store.js";

/**
 * The socket side of one stream. Every `write` is exactly one HTTP/1.1 chunk
 * (see frame.ts `chunk()`), so a sink that must not use chunked encoding
 * (an HTTP/1.0 client) can unwrap it.
 */
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

export class Subscriber {
  /** Where this stream is in the log: every event up to here it wants has been written to it (the rest it skipped). */
  lastId = 0;
  /**
   * The last id the client holds (a lower bound): the id of the last event,
   * reset or bookmark frame written to it, or its resume point. When `lastId`
   * is past it on a quiet stream, the keep-alive becomes a bookmark (hub.ts).
   */
  sentId = 0;
  /** When the hub last wrote to this stream (performance.now()). */
  lastWriteAt = 0;
  /** Receives events as they are flushed; false while catching up. */
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
    // Streams with equal keys share one framed Buffer per flush, so the key must
    // tell every two filters apart: no filter from a filter of one empty id, and
    // ids ["a,b"] from ["a", "b"] (a filter value is any text, commas included).
    this.key = JSON.stringify([this.types ? [...this.types].sort() : null, this.agents ? [...this.agents].sort() : null]);
  }

  get filter(): EventFilter {
    return { types: this.types ? ([...this.types] as EventType[]) : undefined, agentIds: this.agents ? [...this.agents] : undefined };
  }

  wants(e: { type: string; agentId: string }): boolean {
    return (this.types === null || this.types.has(e.type)) && (this.agents === null || this.agents.has(e.agentId));
  }
}
