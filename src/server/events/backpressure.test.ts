import { afterEach, describe, expect, it, vi } from "vitest";
import { Backpressure } from "./backpressure.js";
import { Subscriber, type Sink } from "./subscriber.js";

class QueueSink implements Sink {
  readonly client = "c";
  queued = 0;
  private waiters: (() => void)[] = [];
  write(bytes: Buffer) {
    this.queued += bytes.length;
    return this.queued;
  }
  buffered() {
    return this.queued;
  }
  drained() {
    return this.queued === 0 ? Promise.resolve() : new Promise<void>((r) => this.waiters.push(r));
  }
  /** The client reads `n` bytes (all by default); an empty queue is a 'drain'. */
  read(n = this.queued) {
    this.queued = Math.max(0, this.queued - n);
    if (this.queued === 0) for (const w of this.waiters.splice(0)) w();
  }
  end() {}
  destroy() {}
}

function setup(limit = 100, graceMs = 1000) {
  const sink = new QueueSink();
  const sub = new Subscriber(sink, {});
  const slow: Subscriber[] = [];
  const bp = new Backpressure({ limit, graceMs, onSlow: (s) => slow.push(s) });
  return { sink, sub, slow, bp };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("backpressure", () => {
  it("has room at once under the limit, and no timer runs", async () => {
    vi.useFakeTimers();
    const { sink, sub, bp } = setup();
    sink.queued = 99;
    expect(await bp.room(sub)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("over the limit, waits for the drain; a reader that keeps reading is never dropped", async () => {
    vi.useFakeTimers();
    const { sink, sub, slow, bp } = setup(100, 1000);
    let rounds = 0;
    // Ten rounds, each over the limit for 900 ms (under the grace) before it drains.
    for (; rounds < 10; rounds++) {
      sink.write(Buffer.alloc(150));
      const room = bp.room(sub);
      await vi.advanceTimersByTimeAsync(900);
      sink.read();
      expect(await room).toBe(true);
    }
    expect(slow).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a queue back under the limit has room even before it drains completely", async () => {
    vi.useFakeTimers();
    const { sink, sub, slow, bp } = setup(100, 1000);
    sink.write(Buffer.alloc(150));
    let room: boolean | undefined;
    void bp.room(sub).then((r) => (room = r));
    sink.read(60);
    await vi.advanceTimersByTimeAsync(200);
    expect(room).toBe(true);
    expect(slow).toEqual([]);
  });

  it("a queue that stays over the limit for the grace is a slow consumer, not before", async () => {
    vi.useFakeTimers();
    const { sink, sub, slow, bp } = setup(100, 1000);
    sink.write(Buffer.alloc(150));
    let room: boolean | undefined;
    void bp.room(sub).then((r) => (room = r));
    await vi.advanceTimersByTimeAsync(999);
    expect(slow).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(slow).toEqual([sub]);
    expect(room).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("forgetting a closed stream ends its wait and the shared timer", async () => {
    vi.useFakeTimers();
    const a = setup();
    const b = new Subscriber(new QueueSink(), {});
    (b.sink as QueueSink).queued = 500;
    a.sink.queued = 500;
    const waits = [a.bp.room(a.sub), a.bp.room(b)];
    expect(vi.getTimerCount()).toBe(1);
    a.bp.forget(a.sub);
    expect(vi.getTimerCount()).toBe(1);
    a.bp.forget(b);
    expect(await Promise.all(waits)).toEqual([false, false]);
    expect(vi.getTimerCount()).toBe(0);
    expect(a.slow).toEqual([]);
  });
});
