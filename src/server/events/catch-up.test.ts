/**
 * Catch-up through the hub with a sink that behaves like a socket: bytes queue
 * until the "client" reads them, and an empty queue is a drain. Proves the
 * pacing (the queue never passes the limit by more than one frame), the
 * switch to live with no gap and no duplicate while events keep arriving, and
 * that a live stream held by a burst catches up instead of being dropped.
 */
import { describe, expect, it } from "vitest";
import type { EventFilter, StoredEvent } from "../store/store.js";
import { Hub } from "./hub.js";
import type { Sink } from "./subscriber.js";

class PipeSink implements Sink {
  readonly client = "c";
  private pending: Buffer[] = [];
  private queued = 0;
  maxQueued = 0;
  received = "";
  destroyed = false;
  private waiters: (() => void)[] = [];
  write(bytes: Buffer) {
    this.pending.push(bytes);
    this.queued += bytes.length;
    this.maxQueued = Math.max(this.maxQueued, this.queued);
    return this.queued;
  }
  buffered() {
    return this.queued;
  }
  drained() {
    return this.queued === 0 ? Promise.resolve() : new Promise<void>((r) => this.waiters.push(r));
  }
  /** The client reads everything queued. */
  read() {
    for (const b of this.pending) this.received += b.toString();
    this.pending = [];
    this.queued = 0;
    for (const w of this.waiters.splice(0)) w();
  }
  ids(): number[] {
    return [...this.received.matchAll(/id: (\d+)\n/g)].map((m) => Number(m[1]));
  }
  end() {}
  destroy() {
    this.destroyed = true;
  }
}

const pad = "x".repeat(300);
const ev = (id: number): StoredEvent => ({ id, type: "agent_updated", agentId: "a", at: 0, payload: `{"n":${id},"pad":"${pad}"}` });
const turn = () => new Promise((r) => setImmediate(r));

function setup(count: number, limit: number) {
  const log = Array.from({ length: count }, (_, i) => ev(i + 1));
  const store = {
    async eventsAfter(after: number, max: number, _filter: EventFilter = {}) {
      return log.filter((e) => e.id > after).slice(0, max);
    },
    async eventBounds() {
      return { oldest: log[0]?.id ?? null, last: log.at(-1)?.id ?? 0 };
    },
  };
  const hub = new Hub({ store, keepaliveMs: 60_000, maxBufferedBytes: limit, windowSize: 1000 });
  hub.publish(log);
  const append = () => {
    const e = ev(log.length + 1);
    log.push(e);
    hub.publish([e]);
  };
  return { hub, append };
}

describe("paced catch-up", () => {
  it("takes a backlog of any size from the store and the window in pieces, and goes live with no gap or duplicate while events keep coming", async () => {
    const limit = 16 * 1024;
    const { hub, append } = setup(5000, limit);
    const sink = new PipeSink();
    const { subscriber, ready } = hub.subscribe(sink, {}, 0);
    let done = false;
    void ready.then(() => (done = true));
    while (!done) {
      append();
      sink.read();
      await turn();
    }
    for (let i = 0; i < 5; i++) append();
    await turn();
    sink.read();
    const ids = sink.ids();
    expect(ids).toEqual(Array.from({ length: hub.lastId }, (_, k) => k + 1));
    expect(hub.lastId).toBeGreaterThan(5005);
    expect(subscriber.live).toBe(true);
    // Over the limit by one frame at most (a frame is about 360 bytes here).
    expect(sink.maxQueued).toBeLessThan(limit + 400);
    expect(hub.metrics.slowConsumerDisconnects).toBe(0);
  });

  it("a live stream that a burst takes over the limit is held, then catches up once read, instead of being dropped", async () => {
    const limit = 16 * 1024;
    const { hub, append } = setup(0, limit);
    const sink = new PipeSink();
    const { subscriber } = hub.subscribe(sink, {});
    for (let i = 0; i < 500; i++) append();
    await turn();
    expect(subscriber.live).toBe(false);
    // Events that arrive while it is held wait for it.
    for (let i = 0; i < 500; i++) append();
    await turn();
    for (let i = 0; i < 200 && !subscriber.live; i++) {
      sink.read();
      await turn();
    }
    expect(subscriber.live).toBe(true);
    append();
    await turn();
    sink.read();
    expect(sink.ids()).toEqual(Array.from({ length: 1001 }, (_, k) => k + 1));
    expect(sink.destroyed).toBe(false);
    expect(hub.metrics.slowConsumerDisconnects).toBe(0);
  });
});

describe("store pages while catching up", () => {
  it("reads large events in pages bounded by bytes, not 500 at a time, and still delivers every one once, in order", async () => {
    const big = "y".repeat(60 * 1024);
    const log: StoredEvent[] = Array.from({ length: 600 }, (_, i) => ({ id: i + 1, type: "agent_updated", agentId: "a", at: 0, payload: `{"n":${i + 1},"pad":"${big}"}` }));
    let largestPage = 0;
    const store = {
      async eventsAfter(after: number, max: number, _filter: EventFilter = {}) {
        const page = log.filter((e) => e.id > after).slice(0, max);
        largestPage = Math.max(largestPage, page.reduce((n, e) => n + e.payload.length, 0));
        return page;
      },
      async eventBounds() {
        return { oldest: 1, last: log.length };
      },
    };
    // A window of 10 events: the resume from 0 reads the store.
    const hub = new Hub({ store, keepaliveMs: 60_000, maxBufferedBytes: 256 * 1024, windowSize: 10 });
    hub.publish(log);
    const sink = new PipeSink();
    const { subscriber, ready } = hub.subscribe(sink, {}, 0);
    let done = false;
    void ready.then(() => (done = true));
    while (!done) {
      sink.read();
      await turn();
    }
    sink.read();
    expect(sink.ids()).toEqual(log.map((e) => e.id));
    expect(subscriber.live).toBe(true);
    // About PAGE_BYTES (1 MiB) plus one event; before, a page was 500 events: 30 MB.
    expect(largestPage).toBeLessThan(1024 * 1024 + 64 * 1024);
  });
});
