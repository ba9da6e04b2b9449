/**
 * The hub with in-memory sinks: batching, shared buffers, filters, the
 * replay/live boundary, slow consumers, one keep-alive timer and the
 * bookmarks it sends (fake timers).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventFilter, StoredEvent } from "../store/store.js";
import { Hub, type Sink } from "./hub.js";

class MemorySink implements Sink {
  writes: Buffer[] = [];
  queued = 0;
  ended = false;
  destroyed = false;
  endRetry?: number;
  constructor(readonly client = "c1") {}
  write(bytes: Buffer) {
    this.writes.push(bytes);
    return this.queued;
  }
  buffered() {
    return this.queued;
  }
  async drained() {}
  end(retryMs?: number) {
    this.ended = true;
    this.endRetry = retryMs;
  }
  destroy() {
    this.destroyed = true;
  }
  /** The SSE frames written, decoded from the HTTP chunks. */
  frames(): { id: number; type: string }[] {
    const text = this.writes.map((b) => b.toString()).join("");
    return [...text.matchAll(/id: (\d+)\nevent: (\w+)\n/g)].map((m) => ({ id: Number(m[1]), type: m[2] }));
  }
}

const ev = (id: number, agentId = "a", type: StoredEvent["type"] = "agent_updated"): StoredEvent => ({ id, type, agentId, at: 0, payload: `{"n":${id}}` });

function makeHub(log: StoredEvent[] = [], opts: Partial<{ max: number; window: number; flushMs: number; slice: number }> = {}) {
  const store = {
    async eventsAfter(after: number, limit: number, filter: EventFilter = {}) {
      return log
        .filter((e) => e.id > after && (!filter.agentIds || filter.agentIds.includes(e.agentId)) && (!filter.types || filter.types.includes(e.type)))
        .slice(0, limit);
    },
    async eventBounds() {
      return { oldest: log[0]?.id ?? null, last: log.at(-1)?.id ?? 0 };
    },
  };
  const hub = new Hub({ store, keepaliveMs: 1000, maxBufferedBytes: opts.max ?? 1_000_000, windowSize: opts.window, flushIntervalMs: opts.flushMs, flushSlice: opts.slice });
  return hub;
}

const flush = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe("hub", () => {
  it("with a flush interval, sends the first event at once and batches the ones that follow within the interval", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "performance"] });
    const hub = makeHub([], { flushMs: 20 });
    const a = new MemorySink();
    hub.subscribe(a, {});
    hub.publish([ev(1)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.frames().map((f) => f.id)).toEqual([1]);

    hub.publish([ev(2)]);
    await vi.advanceTimersByTimeAsync(5);
    hub.publish([ev(3)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(a.writes).toHaveLength(1); // 15 ms after the first flush: still waiting
    await vi.advanceTimersByTimeAsync(5);
    expect(a.writes).toHaveLength(2); // 20 ms: both in one write
    expect(a.frames().map((f) => f.id)).toEqual([1, 2, 3]);

    // After a quiet spell longer than the interval, the next event goes out at once again.
    await vi.advanceTimersByTimeAsync(100);
    hub.publish([ev(4)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(a.frames().map((f) => f.id)).toEqual([1, 2, 3, 4]);
    expect(a.writes).toHaveLength(3);
  });

  it("batches events published in one turn into one write, the same Buffer for subscribers with the same filter", async () => {
    const hub = makeHub();
    const a = new MemorySink();
    const b = new MemorySink();
    const c = new MemorySink();
    hub.subscribe(a, {});
    hub.subscribe(b, {});
    hub.subscribe(c, { agentIds: ["x"] });
    hub.publish([ev(1), ev(2, "x")]);
    hub.publish([ev(3)]);
    await flush();
    expect(a.writes).toHaveLength(1);
    expect(a.writes[0]).toBe(b.writes[0]);
    expect(a.frames().map((f) => f.id)).toEqual([1, 2, 3]);
    expect(c.frames().map((f) => f.id)).toEqual([2]);
    expect(a.writes[0].toString()).toMatch(/^[0-9a-f]+\r\nid: 1\nevent: agent_updated\ndata: \{"n":1\}\n\n/);
    expect(hub.metrics.delivered).toBe(7);
  });

  it("replays from the window and switches to live with no gap and no duplicate, even with a flush pending", async () => {
    // The log holds what the hub is given: the resume point is judged against it.
    const hub = makeHub([ev(1), ev(2), ev(3), ev(4)]);
    hub.publish([ev(1), ev(2), ev(3)]);
    // events 1-3 are in the window but not flushed yet when this subscriber resumes from 1
    const s = new MemorySink();
    await hub.subscribe(s, {}, 1).ready;
    await flush();
    hub.publish([ev(4)]);
    await flush();
    expect(s.frames().map((f) => f.id)).toEqual([2, 3, 4]);
  });

  it("replays from the store when the window does not reach back far enough", async () => {
    const log = Array.from({ length: 50 }, (_, i) => ev(i + 1, i % 2 ? "odd" : "even"));
    const hub = makeHub(log, { window: 10 });
    hub.publish(log);
    await flush();
    const s = new MemorySink();
    await hub.subscribe(s, { agentIds: ["odd"] }, 5).ready;
    hub.publish([ev(51, "odd"), ev(52, "even")]);
    await flush();
    const ids = s.frames().map((f) => f.id);
    expect(ids).toEqual(log.filter((e) => e.id > 5 && e.agentId === "odd").map((e) => e.id).concat([51]));
  });

  it("sends a reset for a resume point older than the log or newer than anything committed", async () => {
    const log = [ev(10), ev(11)];
    const hub = makeHub(log, { window: 1 });
    hub.publish(log);
    const old = new MemorySink();
    const future = new MemorySink();
    await hub.subscribe(old, {}, 3).ready;
    await hub.subscribe(future, {}, 99).ready;
    expect(old.writes.join("")).toContain('event: reset\ndata: {"type":"reset","cursor":11,"reason":"history_pruned","requested":3}');
    expect(future.writes.join("")).toContain('"reason":"unknown_event_id"');
    expect(hub.metrics.resets).toBe(2);
  });

  it("holds a subscriber whose socket queue passes the bound, drops it once it stays over for the grace, and keeps serving the others", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "performance"] });
    const log = [ev(1), ev(2)];
    const hub = makeHub(log, { max: 100 });
    const slow = new MemorySink();
    const fast = new MemorySink();
    hub.subscribe(slow, {});
    hub.subscribe(fast, {});
    slow.queued = 101;
    hub.publish([ev(1)]);
    await vi.advanceTimersByTimeAsync(0);
    // A stream without room is held (its events wait), not dropped.
    expect(slow.destroyed).toBe(false);
    hub.publish([ev(2)]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(slow.destroyed).toBe(false);
    expect(slow.frames()).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(slow.destroyed).toBe(true);
    expect(hub.size).toBe(1);
    expect(fast.frames().map((f) => f.id)).toEqual([1, 2]);
    expect(hub.metrics.slowConsumerDisconnects).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps one keep-alive timer for all streams and writes the same bytes to each", () => {
    vi.useFakeTimers();
    const hub = makeHub();
    const sinks = [new MemorySink(), new MemorySink(), new MemorySink()];
    for (const s of sinks) hub.subscribe(s, {});
    hub.startKeepalive();
    hub.startKeepalive();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2000);
    for (const s of sinks) expect(s.writes.map(String)).toEqual(["e\r\n: keep-alive\n\n\r\n", "e\r\n: keep-alive\n\n\r\n"]);
    expect(sinks[0].writes[0]).toBe(sinks[1].writes[0]);
  });

  it("sends keep-alives only to quiet streams, and no stream is silent longer than the interval", async () => {
    vi.useFakeTimers();
    const hub = makeHub();
    const busy = new MemorySink();
    const quiet = new MemorySink();
    hub.subscribe(busy, { agentIds: ["a"] });
    hub.subscribe(quiet, { agentIds: ["b"] });
    hub.startKeepalive();
    const writesAt: number[] = [];
    let id = 0;
    // An event for "a" every 300 ms for 5 s: the busy stream never needs a keep-alive.
    for (let t = 0; t < 5000; t += 100) {
      if (t % 300 === 0) hub.publish([ev(++id, "a")]);
      const before = quiet.writes.length;
      await vi.advanceTimersByTimeAsync(100);
      if (quiet.writes.length > before) writesAt.push(t + 100);
    }
    expect(busy.frames()).toHaveLength(id);
    expect(busy.writes.map(String).filter((w) => w.includes("keep-alive"))).toEqual([]);
    const gaps = writesAt.map((t, i) => t - (writesAt[i - 1] ?? 0));
    expect(writesAt.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000);
    // Quiet, not idle: a keep-alive comment, or a bookmark where the log moved on (the events for "a").
    expect(quiet.writes.map(String).every((w) => w.includes("keep-alive") || /^\w+\r\nid: \d+\n\n\r\n$/.test(w))).toBe(true);
    expect(quiet.frames()).toEqual([]);
  });

  it("counts per client, forgets removed subscribers, and shuts down with a retry hint and no timer left", async () => {
    vi.useFakeTimers();
    const hub = makeHub();
    const subs = [new MemorySink("x"), new MemorySink("x"), new MemorySink("y")].map((s) => ({ sink: s, sub: hub.subscribe(s, {}).subscriber }));
    hub.startKeepalive();
    expect(hub.countFor("x")).toBe(2);
    hub.remove(subs[0].sub);
    hub.remove(subs[0].sub);
    expect(hub.countFor("x")).toBe(1);
    const done = hub.shutdown(100, 2000);
    await vi.runAllTimersAsync();
    await done;
    expect(subs.slice(1).every((s) => s.sink.ended && s.sink.endRetry! >= 1000 && s.sink.endRetry! <= 3000)).toBe(true);
    expect(hub.inspect()).toEqual({ subscribers: 0, live: 0, clients: 0, keepaliveTimer: false, window: 0, behind: 0, oldestHeld: null });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("flushing in slices", () => {
  const settle = async () => {
    for (let i = 0; i < 20; i++) await flush();
  };

  it("lets other work run between slices, and every stream still gets every event once, in order", async () => {
    const hub = makeHub([], { slice: 10 });
    const sinks = Array.from({ length: 35 }, () => new MemorySink());
    const subs = sinks.map((s) => hub.subscribe(s, {}).subscriber);
    hub.publish([ev(1)]);
    let seenBetween: number[] = [];
    setImmediate(() => (seenBetween = sinks.map((s) => s.writes.length)));
    await flush();
    await flush();
    // After the first turn only the first slice was written; the rest waited for the next turns.
    expect(seenBetween.slice(0, 10)).toEqual(Array(10).fill(1));
    expect(seenBetween.slice(10)).toEqual(Array(25).fill(0));
    // Meanwhile: more events, a stream closes before its turn, a new one goes live, one resumes.
    hub.publish([ev(2), ev(3)]);
    hub.remove(subs[34]);
    const late = new MemorySink();
    hub.subscribe(late, {});
    const resumed = new MemorySink();
    await hub.subscribe(resumed, {}, 0).ready;
    hub.publish([ev(4)]);
    await settle();
    for (const s of sinks.slice(0, 34)) expect(s.frames().map((f) => f.id)).toEqual([1, 2, 3, 4]);
    expect(sinks[34].frames()).toEqual([]);
    expect(late.frames().map((f) => f.id)).toEqual([4]);
    expect(resumed.frames().map((f) => f.id)).toEqual([1, 2, 3, 4]);
    expect(hub.metrics.delivered).toBe(34 * 4 + 1 + 4);
  });

  it("a reset or a shutdown first finishes the flush in flight", async () => {
    const hub = makeHub([], { slice: 10 });
    const sinks = Array.from({ length: 35 }, () => new MemorySink());
    for (const s of sinks) hub.subscribe(s, {});
    hub.publish([ev(1)]);
    await flush();
    expect(sinks[34].writes).toHaveLength(0);
    hub.skipTo(100);
    for (const s of sinks) expect(s.frames()).toEqual([
      { id: 1, type: "agent_updated" },
      { id: 100, type: "reset" },
    ]);
    hub.publish([ev(101)]);
    await flush();
    await hub.shutdown(0, 1000);
    for (const s of sinks) expect(s.frames().at(-1)).toEqual({ id: 101, type: "agent_updated" });
    expect(sinks.every((s) => s.ended)).toBe(true);
  });
});

describe("replay window bounds", () => {
  it("keeps at most windowSize events and windowMaxBytes bytes in memory; older resumes come from the store", async () => {
    const log = Array.from({ length: 100 }, (_, i) => ({ ...ev(i + 1), payload: JSON.stringify({ pad: "x".repeat(200) }) }));
    const store = {
      async eventsAfter(after: number, limit: number) {
        return log.filter((e) => e.id > after).slice(0, limit);
      },
      async eventBounds() {
        return { oldest: 1, last: 100 };
      },
    };
    const hub = new Hub({ store, keepaliveMs: 1000, maxBufferedBytes: 1e9, windowSize: 50, windowMaxBytes: 2500 });
    hub.publish(log);
    expect(hub.inspect().window).toBeLessThanOrEqual(10);
    const s = new MemorySink();
    await hub.subscribe(s, {}, 0).ready;
    expect(s.frames().map((f) => f.id)).toEqual(log.map((e) => e.id));
  });
});

describe("bookmarks", () => {
  const BOOKMARK = (id: number) => `${(`id: ${id}\n\n`).length.toString(16)}\r\nid: ${id}\n\n\r\n`;
  const KEEPALIVE = "e\r\n: keep-alive\n\n\r\n";

  it("a quiet filtered stream whose position moved gets one bookmark (an id, no data) instead of a keep-alive", async () => {
    vi.useFakeTimers();
    const hub = makeHub();
    const quiet = new MemorySink();
    hub.subscribe(quiet, { agentIds: ["b"] });
    hub.startKeepalive();
    hub.publish([ev(1, "a"), ev(2, "a", "agent_health_changed")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(quiet.writes).toEqual([]);
    expect(hub.inspect().behind).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    // The first quiet tick moves the client to 2; nothing moved after, so keep-alives follow.
    const writes = quiet.writes.map(String);
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes).toEqual([BOOKMARK(2), ...writes.slice(1).map(() => KEEPALIVE)]);
    expect(quiet.frames()).toEqual([]);
    expect(hub.metrics.bookmarks).toBe(1);
    expect(hub.inspect()).toMatchObject({ behind: 0, oldestHeld: 2 });
  });

  it("a stream whose client holds its position gets keep-alives only: after its own event, after a resume, after a reset", async () => {
    vi.useFakeTimers();
    const log = [ev(1, "a"), ev(2, "b")];
    const hub = makeHub(log);
    hub.startAt(2);
    const own = new MemorySink();
    hub.subscribe(own, { agentIds: ["a"] });
    const resumed = new MemorySink();
    await hub.subscribe(resumed, {}, 2).ready;
    const reset = new MemorySink();
    await hub.subscribe(reset, {}, 99).ready; // unknown id: a reset, whose id is the head
    hub.startKeepalive();
    log.push(ev(3, "a"));
    hub.publish([ev(3, "a")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(own.frames().map((f) => f.id)).toEqual([3]);
    own.writes.length = 0;
    resumed.writes.length = 0;
    reset.writes.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(own.writes.map(String)).toEqual([KEEPALIVE]);
    expect(resumed.writes.map(String)).toEqual([KEEPALIVE]); // it got event 3
    expect(reset.writes.map(String)).toEqual([KEEPALIVE]);
    expect(hub.metrics.bookmarks).toBe(0);
  });

  it("carries the id of the last event it skipped, not the last one it was sent, and streams at one position share the bytes", async () => {
    vi.useFakeTimers();
    const hub = makeHub();
    const sinks = [new MemorySink(), new MemorySink()];
    for (const s of sinks) hub.subscribe(s, { types: ["agent_registered"] });
    hub.startKeepalive();
    hub.publish([ev(1, "a", "agent_registered"), ev(2, "a"), ev(3, "b")]);
    await vi.advanceTimersByTimeAsync(0);
    for (const s of sinks) expect(s.frames()).toEqual([{ id: 1, type: "agent_registered" }]);
    await vi.advanceTimersByTimeAsync(1000);
    for (const s of sinks) expect(s.writes.slice(1).map(String)).toEqual([BOOKMARK(3)]);
    expect(sinks[0].writes[1]).toBe(sinks[1].writes[1]);
  });

  it("is not sent to a stream still catching up, nor to a busy one", async () => {
    vi.useFakeTimers();
    const hub = makeHub();
    const busy = new MemorySink();
    hub.subscribe(busy, { agentIds: ["a"] });
    const held = new MemorySink();
    held.queued = 10; // bytes still queued: not silent
    hub.subscribe(held, { agentIds: ["b"] });
    hub.startKeepalive();
    for (let id = 1; id <= 20; id++) {
      hub.publish([ev(id, "a")]);
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(busy.writes.map(String).filter((w) => !w.includes("event:"))).toEqual([]);
    expect(held.writes).toEqual([]);
    expect(hub.metrics.bookmarks).toBe(0);
  });
});
