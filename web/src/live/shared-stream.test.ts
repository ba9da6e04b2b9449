import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { agent, registered } from "../test/factories";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { FakeLocks } from "../test/fake-locks";
import type { StreamFrame } from "./event-stream";
import { SharedStream, type StreamRole, type TabSharing } from "./shared-stream";

let locks: FakeLocks;
let sharing: TabSharing;
const tabs: SharedStream[] = [];

/** A tab: its stream, what it was handed, and its role. */
function tab() {
  const frames: StreamFrame[] = [];
  const roles: StreamRole[] = [];
  const stream = new SharedStream(sharing, { client: fakeClient, onFrame: (f) => frames.push(f), onRole: (r) => roles.push(r) });
  tabs.push(stream);
  return { stream, frames, ids: () => frames.map((f) => f.id), role: () => stream.getRole() };
}

let channelName = 0;
beforeEach(() => {
  FakeSubscription.reset();
  locks = new FakeLocks();
  // Node's BroadcastChannel: real cross-instance delivery, asynchronous like a browser's.
  sharing = { locks: locks as unknown as LockManager, channel: (name) => new BroadcastChannel(name), name: `test-${++channelName}` };
});
afterEach(() => {
  for (const t of tabs.splice(0)) t.dispose();
});

const emit = (source: FakeSubscription, id: number) => source.emit("agent_registered", id, registered(agent(`a${id}`)));

describe("SharedStream", () => {
  it("gives the first tab the lead and the one EventSource; the others get its frames relayed", async () => {
    const a = tab();
    const b = tab();
    a.stream.open(10);
    await vi.waitFor(() => expect(a.role()).toBe("leader"));
    b.stream.open(10);
    expect(FakeSubscription.created).toHaveLength(1);
    const source = FakeSubscription.latest();
    expect(source.lastEventIdParam).toBe("10");
    source.open();
    await vi.waitFor(() => expect(b.stream.getState().status).toBe("live"));
    emit(source, 11);
    emit(source, 12);
    expect(a.ids()).toEqual([11, 12]);
    await vi.waitFor(() => expect(b.ids()).toEqual([11, 12]));
    expect(b.role()).toBe("follower");
    expect(FakeSubscription.created).toHaveLength(1);
  });

  it("drops relayed events a follower's snapshot already has", async () => {
    const a = tab();
    const b = tab();
    a.stream.open(10);
    await vi.waitFor(() => expect(a.role()).toBe("leader"));
    b.stream.open(12);
    const source = FakeSubscription.latest();
    source.open();
    for (const id of [11, 12, 13]) emit(source, id);
    await vi.waitFor(() => expect(b.ids()).toEqual([13]));
  });

  it("keeps frames relayed while a tab is still loading, and applies those after its cursor", async () => {
    const a = tab();
    const b = tab();
    a.stream.open(10);
    await vi.waitFor(() => expect(a.role()).toBe("leader"));
    const source = FakeSubscription.latest();
    source.open();
    for (const id of [11, 12, 13]) emit(source, id);
    await new Promise((r) => setTimeout(r, 20));
    expect(b.ids()).toEqual([]);
    b.stream.open(11);
    expect(b.ids()).toEqual([12, 13]);
  });

  it("hands the lead to a waiting tab when the leader closes; it resumes from the last id it saw", async () => {
    const a = tab();
    const b = tab();
    const c = tab();
    a.stream.open(0);
    await vi.waitFor(() => expect(a.role()).toBe("leader"));
    b.stream.open(0);
    c.stream.open(0);
    const first = FakeSubscription.latest();
    first.open();
    emit(first, 1);
    emit(first, 2);
    await vi.waitFor(() => expect(c.ids()).toEqual([1, 2]));
    a.stream.close();
    expect(first.closedByClient).toBe(true);
    await vi.waitFor(() => expect(b.role()).toBe("leader"));
    expect(c.role()).toBe("follower");
    expect(FakeSubscription.created).toHaveLength(2);
    const second = FakeSubscription.latest();
    expect(second.lastEventIdParam).toBe("2");
    second.open();
    emit(second, 2); // the server would not replay it; a relayed duplicate is dropped anyway
    emit(second, 3);
    expect(b.ids()).toEqual([1, 2, 3]);
    await vi.waitFor(() => expect(c.ids()).toEqual([1, 2, 3]));
  });

  it("relays a reset, even with a lower cursor (a new database)", async () => {
    const a = tab();
    const b = tab();
    a.stream.open(50);
    await vi.waitFor(() => expect(a.role()).toBe("leader"));
    b.stream.open(50);
    const source = FakeSubscription.latest();
    source.open();
    source.emit("reset", 3, { type: "reset", cursor: 3, reason: "unknown_event_id", requested: 50 });
    emit(source, 4);
    await vi.waitFor(() => expect(b.ids()).toEqual([3, 4]));
    expect(b.frames[0].event.type).toBe("reset");
  });

  it("passes a follower's reconnect request to the leader", async () => {
    const a = tab();
    const b = tab();
    a.stream.open(5);
    await vi.waitFor(() => expect(a.role()).toBe("leader"));
    b.stream.open(5);
    FakeSubscription.latest().fail();
    b.stream.reconnectNow();
    await vi.waitFor(() => expect(FakeSubscription.created).toHaveLength(2));
    expect(FakeSubscription.latest().lastEventIdParam).toBe("5");
  });

  it("gives up its place in the queue when closed before it got the lead", async () => {
    const a = tab();
    const b = tab();
    const c = tab();
    a.stream.open(0);
    await vi.waitFor(() => expect(a.role()).toBe("leader"));
    b.stream.open(0);
    c.stream.open(0);
    b.stream.close();
    a.stream.close();
    await vi.waitFor(() => expect(c.role()).toBe("leader"));
    expect(b.role()).toBe("follower");
    expect(FakeSubscription.created).toHaveLength(2);
  });
});
