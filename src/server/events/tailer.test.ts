/**
 * The tailer's ordering promises, each pinned by a test that fails when the
 * check keeping it is removed: the hub is handed every event once, in id
 * order, with no gap — a hole in the log is waited out (a writer still
 * committing) or, when pruned, announced with `skipTo` — whichever of the
 * fast path (`offer`) and the read path (`wake`) delivers it.
 *
 * The log here is an in-memory one whose reads can be held open, so a commit
 * can land in the middle of a read; the hub records exactly what it is
 * handed (the real hub drops repeats, which would hide a duplicate).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EventBounds, StoredEvent } from "../store/store.js";
import { Tailer } from "./tailer.js";

const event = (id: number): StoredEvent => ({ id, type: "agent_updated", agentId: `a${id}`, at: id, payload: `{"n":${id}}` });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => event(from + i));

/** The event log: ids committed so far, ids taken by writers still committing (invisible), pruning. */
class Log {
  private events = new Map<number, StoredEvent>();
  private inFlight = new Set<number>();
  private held: { release: () => void; promise: Promise<void> } | null = null;
  reads = 0;

  commit(...ids: number[]): StoredEvent[] {
    for (const id of ids) {
      this.events.set(id, event(id));
      this.inFlight.delete(id);
    }
    return ids.map(event);
  }

  /** Takes an id for a commit that is not visible yet. */
  begin(id: number): void {
    this.inFlight.add(id);
  }

  prune(upTo: number): void {
    for (const id of this.events.keys()) if (id <= upTo) this.events.delete(id);
  }

  /** The next read takes its page, then waits until `release()`: commits made meanwhile are not on it. */
  hold(): () => void {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.held = { release, promise };
    return release;
  }

  async eventsAfter(after: number, limit: number): Promise<StoredEvent[]> {
    this.reads++;
    const page = [...this.events.values()].filter((e) => e.id > after).sort((a, b) => a.id - b.id).slice(0, limit);
    const held = this.held;
    this.held = null;
    if (held) await held.promise;
    return page;
  }

  async eventBounds(): Promise<EventBounds> {
    const ids = [...this.events.keys(), ...this.inFlight];
    return { oldest: this.events.size ? Math.min(...this.events.keys()) : null, last: ids.length ? Math.max(...ids) : 0 };
  }
}

/** What the hub was handed, call by call. */
class RecordingHub {
  calls: string[] = [];
  published: number[] = [];
  startAt(id: number) {
    this.calls.push(`start ${id}`);
  }
  publish(events: StoredEvent[]) {
    this.calls.push(`publish ${events.map((e) => e.id).join(",")}`);
    this.published.push(...events.map((e) => e.id));
  }
  skipTo(cursor: number) {
    this.calls.push(`skip ${cursor}`);
  }
}

async function started(log: Log, pollMs = 0) {
  const hub = new RecordingHub();
  const tailer = new Tailer({ store: log, hub, pollMs, onError: (err) => hub.calls.push(`error ${String(err)}`) });
  await tailer.start();
  return { hub, tailer };
}

const tailers: Tailer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(tailers.splice(0).map((t) => t.stop()));
});

describe("the tailer", () => {
  it("starts at the head of the log: the hub is told, and nothing before it is published", async () => {
    const log = new Log();
    log.commit(1, 2, 3);
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    expect(hub.calls).toEqual(["start 3"]);
    expect(tailer.lastId).toBe(3);
    log.commit(4);
    await tailer.wake();
    expect(hub.calls).toEqual(["start 3", "publish 4"]);
  });

  it("offer: events that continue where it is are published at once, without reading the log", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    tailer.offer(log.commit(1, 2));
    tailer.offer(log.commit(3));
    expect(hub.published).toEqual([1, 2, 3]);
    expect(log.reads).toBe(0);
  });

  it("offer: events after a gap are not published; the log is read and the gap filled first", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    log.commit(1); // committed through another instance: never offered here
    const release = log.hold();
    tailer.offer(log.commit(2, 3));
    expect(hub.published).toEqual([]);
    expect(log.reads).toBe(1); // the offer started a read
    release();
    await tailer.wake(); // joins that read
    expect(hub.calls).toEqual(["start 0", "publish 1,2,3"]);
  });

  it("offer: within one batch nothing is published past a gap", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    log.begin(3);
    tailer.offer([...log.commit(1, 2), event(4)]);
    expect(hub.published).toEqual([1, 2]);
  });

  it("offer: a repeat inside a batch is passed over, not published twice nor taken for a gap", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    const [one, two] = log.commit(1, 2);
    tailer.offer([one, one, two]);
    expect(hub.calls).toEqual(["start 0", "publish 1,2"]);
    expect(log.reads).toBe(0);
  });

  it("offer: events already seen change nothing and cost no read", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    tailer.offer(log.commit(1, 2, 3));
    tailer.offer([event(2), event(3)]);
    await tailer.wake();
    const readsAfterWake = log.reads;
    tailer.offer([event(1)]);
    tailer.offer([event(3)]);
    expect(log.reads).toBe(readsAfterWake);
    expect(hub.published).toEqual([1, 2, 3]);
  });

  it("wake: a hole left by a writer still committing is waited out, not skipped", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    log.commit(1);
    log.begin(2);
    log.commit(3);
    await tailer.wake();
    expect(hub.published).toEqual([1]);
    log.commit(2);
    await tailer.wake();
    expect(hub.calls).toEqual(["start 0", "publish 1", "publish 2,3"]);
  });

  it("wake: a hole at the start of the page waits too, without skipping or repeating", async () => {
    const log = new Log();
    log.commit(1);
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    log.begin(2);
    log.commit(3);
    await tailer.wake();
    expect(hub.calls).toEqual(["start 1"]);
    log.commit(2);
    await tailer.wake();
    expect(hub.calls).toEqual(["start 1", "publish 2,3"]);
  });

  it("wake: events pruned before they were seen are announced with skipTo, then reading goes on from the oldest kept", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    tailer.offer(log.commit(1, 2));
    log.commit(...range(3, 12).map((e) => e.id));
    log.prune(10);
    await tailer.wake();
    expect(hub.calls).toEqual(["start 0", "publish 1,2", "skip 10", "publish 11,12"]);
    expect(tailer.lastId).toBe(12);
  });

  it("wake: an event published by offer during a read is not published again when the read returns", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    log.commit(1, 2);
    const release = log.hold();
    const reading = tailer.wake(); // its page will be [1, 2]
    tailer.offer([event(1)]);
    expect(hub.published).toEqual([1]);
    release();
    await reading;
    expect(hub.calls).toEqual(["start 0", "publish 1", "publish 2"]);
  });

  it("wake: calls during a read coalesce into one more read, so commits made during it are delivered", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    log.commit(1);
    const release = log.hold();
    const first = tailer.wake();
    log.commit(2);
    const second = tailer.wake();
    const third = tailer.wake();
    release();
    await Promise.all([first, second, third]);
    expect(hub.calls).toEqual(["start 0", "publish 1", "publish 2"]);
    expect(log.reads).toBe(2); // the first wake's, and one more for the two made during it
  });

  it("wake: reads page after page until the log is exhausted, in order", async () => {
    const log = new Log();
    const { hub, tailer } = await started(log);
    tailers.push(tailer);
    log.commit(...range(1, 2500).map((e) => e.id));
    await tailer.wake();
    expect(hub.published).toEqual(range(1, 2500).map((e) => e.id));
    expect(hub.calls.filter((c) => c.startsWith("publish"))).toHaveLength(3);
  });

  it("polls the log when asked to, and after stop() publishes nothing more, not even what a read in flight returns", async () => {
    vi.useFakeTimers();
    const log = new Log();
    const { hub, tailer } = await started(log, 1000);
    log.commit(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(hub.published).toEqual([1]);
    log.commit(2);
    const release = log.hold();
    const reading = tailer.wake();
    const stopping = tailer.stop();
    release();
    await Promise.all([reading, stopping]);
    tailer.offer(log.commit(3));
    await tailer.wake();
    await vi.advanceTimersByTimeAsync(5000);
    expect(hub.published).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
