import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeEventSource, createFakeSource } from "../test/fake-event-source";
import { agent, registered } from "../test/factories";
import { EventStream, type ConnectionState, type StreamFrame } from "./event-stream";

function setup(options: Partial<ConstructorParameters<typeof EventStream>[0]> = {}) {
  const frames: StreamFrame[] = [];
  const states: ConnectionState[] = [];
  const stream = new EventStream({
    createSource: createFakeSource,
    random: () => 0.5,
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    ...options,
  });
  return { stream, frames, states };
}

beforeEach(() => {
  FakeEventSource.reset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("EventStream", () => {
  it("opens one EventSource from the given cursor and hands over frames with their ids", () => {
    const { stream, frames } = setup();
    stream.open(42);
    expect(FakeEventSource.created).toHaveLength(1);
    const source = FakeEventSource.latest();
    expect(source.url).toBe("/api/v1/events?last_event_id=42");
    source.open();
    expect(stream.getState().status).toBe("live");
    source.emit("agent_registered", 43, registered(agent("a")));
    expect(frames).toEqual([{ id: 43, event: registered(agent("a")) }]);
    expect(stream.getState().lastEventId).toBe(43);
    expect(stream.getState().lastEventAt).not.toBeNull();
  });

  it("lets the browser retry a dropped connection by itself, showing reconnecting", () => {
    const { stream } = setup();
    stream.open(1);
    const source = FakeEventSource.latest();
    source.open();
    source.drop();
    expect(stream.getState().status).toBe("reconnecting");
    expect(FakeEventSource.created).toHaveLength(1);
    source.open();
    expect(stream.getState()).toMatchObject({ status: "live", downSince: null });
  });

  it("recreates the EventSource itself, with backoff, after the browser gave up, resuming from the last id", () => {
    const { stream } = setup({ backoff: { baseMs: 1000, capMs: 30_000 } });
    stream.open(5);
    const first = FakeEventSource.latest();
    first.open();
    first.emit("agent_registered", 9, registered(agent("a")));
    first.fail();
    expect(first.closedByClient).toBe(true);
    expect(stream.getState().status).toBe("reconnecting");
    expect(stream.getState().nextAttemptAt).not.toBeNull();
    vi.advanceTimersByTime(749); // attempt 1: 1000 ms × (0.5 + 0.5 × 0.5)
    expect(FakeEventSource.created).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.created).toHaveLength(2);
    expect(FakeEventSource.latest().lastEventIdParam).toBe("9");
  });

  it("backs off further on each failed attempt, and starts over once connected", () => {
    const { stream } = setup({ backoff: { baseMs: 1000, capMs: 4000 } });
    stream.open(0);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = Date.now();
      FakeEventSource.latest().fail();
      delays.push(stream.getState().nextAttemptAt! - before);
      vi.advanceTimersByTime(delays[i]);
    }
    expect(delays).toEqual([750, 1500, 3000, 3000]);
    FakeEventSource.latest().open();
    FakeEventSource.latest().fail();
    expect(stream.getState().nextAttemptAt! - Date.now()).toBe(750);
  });

  it("lets the browser make its one reconnect after a drop, and takes over with backoff when that fails", () => {
    const { stream } = setup();
    stream.open(0);
    const source = FakeEventSource.latest();
    source.open();
    source.drop();
    expect(source.closedByClient).toBe(false);
    expect(stream.getState().nextAttemptAt).toBeNull();
    source.drop(); // the browser's reconnect was refused
    expect(source.closedByClient).toBe(true);
    expect(stream.getState().nextAttemptAt).not.toBeNull();
  });

  it("replaces a connection that never opened on its first error, backing off", () => {
    const { stream } = setup({ backoff: { baseMs: 1000 } });
    stream.open(0);
    FakeEventSource.latest().drop();
    expect(FakeEventSource.latest().closedByClient).toBe(true);
    vi.advanceTimersByTime(750);
    expect(FakeEventSource.created).toHaveLength(2);
    FakeEventSource.latest().drop();
    expect(stream.getState().nextAttemptAt! - Date.now()).toBe(1500);
  });

  it("says offline once the connection has been down for a while, and live again when it is back", () => {
    const { stream } = setup({ offlineAfterMs: 10_000 });
    stream.open(0);
    FakeEventSource.latest().open();
    FakeEventSource.latest().drop();
    expect(stream.getState().status).toBe("reconnecting");
    vi.advanceTimersByTime(9_999);
    expect(stream.getState().status).toBe("reconnecting");
    vi.advanceTimersByTime(1);
    expect(stream.getState().status).toBe("offline");
    FakeEventSource.latest().open();
    expect(stream.getState()).toMatchObject({ status: "live", downSince: null });
  });

  it("reconnects at once on request, skipping the wait", () => {
    const { stream } = setup();
    stream.open(3);
    FakeEventSource.latest().fail();
    expect(FakeEventSource.created).toHaveLength(1);
    stream.reconnectNow();
    expect(FakeEventSource.created).toHaveLength(2);
    expect(FakeEventSource.latest().lastEventIdParam).toBe("3");
  });

  it("uses the reset frame's id (the new cursor) as the resume point", () => {
    const { stream, frames } = setup();
    stream.open(3);
    FakeEventSource.latest().emit("reset", 77, { type: "reset", cursor: 77, reason: "history_pruned", requested: 3 });
    expect(frames[0].event.type).toBe("reset");
    expect(stream.getState().lastEventId).toBe(77);
  });

  it("ignores frames it cannot parse", () => {
    const { stream, frames } = setup();
    stream.open(0);
    FakeEventSource.latest().dispatchEvent(new MessageEvent("agent_updated", { data: "{not json", lastEventId: "4" }));
    expect(frames).toEqual([]);
  });

  it("closes everything: the source, and any pending attempt", () => {
    const { stream } = setup();
    stream.open(0);
    FakeEventSource.latest().fail();
    stream.close();
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.created).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
