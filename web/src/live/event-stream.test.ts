import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { agent, registered } from "../test/factories";
import { EventStream, type ConnectionState, type StreamFrame } from "./event-stream";

function setup(options: Partial<ConstructorParameters<typeof EventStream>[0]> = {}) {
  const frames: StreamFrame[] = [];
  const states: ConnectionState[] = [];
  const stream = new EventStream({
    client: fakeClient,
    onFrame: (f) => frames.push(f),
    onState: (s) => states.push(s),
    ...options,
  });
  return { stream, frames, states };
}

/** Lets `done` of an ended subscription be seen. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  FakeSubscription.reset();
  vi.useFakeTimers();
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("EventStream", () => {
  it("subscribes once through the client, from the given cursor, without a snapshot, and hands over frames with their ids", () => {
    const { stream, frames } = setup();
    stream.open(42);
    expect(FakeSubscription.created).toHaveLength(1);
    const sub = FakeSubscription.latest();
    expect(sub.options).toMatchObject({ since: 42, snapshot: false });
    sub.open();
    expect(stream.getState().status).toBe("live");
    sub.emit("agent_registered", 43, registered(agent("a")));
    expect(frames).toEqual([{ id: 43, event: registered(agent("a")) }]);
    expect(stream.getState().lastEventId).toBe(43);
    expect(stream.getState().lastEventAt).not.toBeNull();
  });

  it("shows reconnecting while the client retries, with when its next attempt is due, and live when it is back", () => {
    const { stream } = setup();
    stream.open(1);
    const sub = FakeSubscription.latest();
    sub.open();
    sub.drop(); // the connection retries by itself: no time to show
    expect(stream.getState()).toMatchObject({ status: "reconnecting", nextAttemptAt: null });
    sub.drop(Date.now() + 750);
    expect(stream.getState().nextAttemptAt! - Date.now()).toBe(750);
    sub.open();
    expect(stream.getState()).toMatchObject({ status: "live", downSince: null, nextAttemptAt: null });
    expect(FakeSubscription.created).toHaveLength(1);
  });

  it("starts a new subscription, with backoff, when one ended for good, resuming from the last id", async () => {
    const { stream } = setup();
    stream.open(5);
    const first = FakeSubscription.latest();
    first.open();
    first.emit("agent_registered", 9, registered(agent("a")));
    first.fail();
    await settle();
    expect(stream.getState().status).toBe("reconnecting");
    expect(stream.getState().nextAttemptAt! - Date.now()).toBe(375); // the client's backoff: 500 ms × (0.5 + 0.5 × 0.5)
    await vi.advanceTimersByTimeAsync(374);
    expect(FakeSubscription.created).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSubscription.created).toHaveLength(2);
    expect(FakeSubscription.latest().lastEventIdParam).toBe("9");
  });

  it("backs off further each time a new subscription ends at once, and starts over once live", async () => {
    const { stream } = setup();
    stream.open(0);
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = Date.now();
      FakeSubscription.latest().fail();
      await settle();
      delays.push(stream.getState().nextAttemptAt! - before);
      await vi.advanceTimersByTimeAsync(delays[i]);
    }
    expect(delays).toEqual([375, 750, 1500]);
    FakeSubscription.latest().open();
    FakeSubscription.latest().fail();
    await settle();
    expect(stream.getState().nextAttemptAt! - Date.now()).toBe(375);
  });

  it("says offline once the connection has been down for a while, and live again when it is back", () => {
    const { stream } = setup({ offlineAfterMs: 10_000 });
    stream.open(0);
    FakeSubscription.latest().open();
    FakeSubscription.latest().drop();
    expect(stream.getState().status).toBe("reconnecting");
    vi.advanceTimersByTime(9_999);
    expect(stream.getState().status).toBe("reconnecting");
    vi.advanceTimersByTime(1);
    expect(stream.getState().status).toBe("offline");
    FakeSubscription.latest().open();
    expect(stream.getState()).toMatchObject({ status: "live", downSince: null });
  });

  it("reconnects at once on request: through the client while it retries, with a new subscription while it waits to start one", async () => {
    const { stream } = setup();
    stream.open(3);
    FakeSubscription.latest().drop(Date.now() + 5000);
    stream.reconnectNow();
    expect(FakeSubscription.latest().reconnects).toBe(1);
    FakeSubscription.latest().fail();
    await settle();
    expect(FakeSubscription.created).toHaveLength(1);
    stream.reconnectNow();
    expect(FakeSubscription.created).toHaveLength(2);
    expect(FakeSubscription.latest().lastEventIdParam).toBe("3");
  });

  it("uses the reset's cursor as the resume point", () => {
    const { stream, frames } = setup();
    stream.open(3);
    FakeSubscription.latest().emit("reset", 77, { type: "reset", cursor: 77, reason: "history_pruned", requested: 3 });
    expect(frames).toEqual([{ id: 77, event: { type: "reset", cursor: 77, reason: "history_pruned", requested: 3 } }]);
    expect(stream.getState().lastEventId).toBe(77);
  });

  it("closes everything: the subscription, and any pending attempt", async () => {
    const { stream } = setup();
    stream.open(0);
    FakeSubscription.latest().fail();
    await settle();
    stream.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSubscription.created).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("closing does not start a new subscription", async () => {
    const { stream } = setup();
    stream.open(0);
    const sub = FakeSubscription.latest();
    stream.close();
    expect(sub.closedByClient).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSubscription.created).toHaveLength(1);
  });
});
