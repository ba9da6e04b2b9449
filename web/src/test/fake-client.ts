/**
 * A stand-in for the client package's `subscribe()` that a test drives by
 * hand: bring it live, hand it events, drop it (the client retries by itself)
 * or end it for good (as after a 401). The client's own behaviour (resume,
 * backoff, stall watchdog) is tested in test/sdk against a real server; these
 * tests cover what the dashboard does with it.
 */
import type { AgentMeshError, ConnectionState, SubscribeOptions, SubscriptionHandler, SubscriptionUpdate } from "@agentmesh/client";
import type { StreamClient } from "../live/event-stream";

export class FakeSubscription {
  static created: FakeSubscription[] = [];

  state: ConnectionState = "connecting";
  retryAt: number | null = null;
  lastEventId: number;
  closedByClient = false;
  /** Calls of `reconnect()` (skip the wait). */
  reconnects = 0;
  readonly done: Promise<AgentMeshError | null>;
  private end!: (error: AgentMeshError | null) => void;

  constructor(
    readonly options: SubscribeOptions,
    private readonly handler: SubscriptionHandler,
  ) {
    this.lastEventId = options.since ?? 0;
    this.done = new Promise((resolve) => (this.end = resolve));
    FakeSubscription.created.push(this);
  }

  static reset(): void {
    FakeSubscription.created = [];
  }

  static latest(): FakeSubscription {
    const last = FakeSubscription.created.at(-1);
    if (!last) throw new Error("no subscription was started");
    return last;
  }

  /** The resume point the page asked for. */
  get lastEventIdParam(): string {
    return String(this.options.since);
  }

  open(): void {
    this.setState("live");
  }

  /** An event (or a `reset`, whose id is the cursor the server goes on from). */
  emit(type: string, id: number, data: unknown): void {
    this.lastEventId = id;
    const update = (type === "reset" ? data : { id, ...(data as object) }) as SubscriptionUpdate;
    void this.handler(update);
  }

  /** A lost connection the client retries by itself; `retryAt` when it waits out a backoff. */
  drop(retryAt: number | null = null): void {
    this.retryAt = retryAt;
    this.setState("reconnecting");
  }

  /** The subscription ended for good (the client gives up on a 401, 403, 404). */
  fail(error = { status: 401, code: "unauthorized" } as AgentMeshError): void {
    this.setState("closed");
    this.end(error);
  }

  reconnect(): void {
    this.reconnects++;
  }

  close(): void {
    this.closedByClient = true;
    this.setState("closed");
    this.end(null);
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.options.onStatus?.(state);
  }
}

/** A client whose `subscribe()` hands out FakeSubscriptions. */
export const fakeClient = {
  subscribe: (options: SubscribeOptions, handler: SubscriptionHandler) => new FakeSubscription(options, handler),
} as unknown as StreamClient;
