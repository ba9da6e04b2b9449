/**
 * Tabs that load together read the fleet at different cursors, and the first
 * to open leads from its own. A follower whose snapshot is older than the
 * point the leader streams from would never be relayed the events in between:
 * it must notice the jump in ids (the stream's ids are gapless) and get a
 * `reset`, so it refetches instead of silently missing them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { agent, registered } from "../test/factories";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { FakeLocks } from "../test/fake-locks";
import type { StreamFrame } from "./event-stream";
import { SharedStream, type TabSharing } from "./shared-stream";

let sharing: TabSharing;
const tabs: SharedStream[] = [];
let channelName = 0;

function tab() {
  const frames: StreamFrame[] = [];
  const stream = new SharedStream(sharing, { client: fakeClient, onFrame: (f) => frames.push(f) });
  tabs.push(stream);
  return { stream, frames, role: () => stream.getRole() };
}

beforeEach(() => {
  FakeSubscription.reset();
  sharing = { locks: new FakeLocks() as unknown as LockManager, channel: (name) => new BroadcastChannel(name), name: `gap-test-${++channelName}` };
});
afterEach(() => {
  for (const t of tabs.splice(0)) t.dispose();
});

const emit = (source: FakeSubscription, id: number) => source.emit("agent_registered", id, registered(agent(`a${id}`)));
const summary = (frames: StreamFrame[]) => frames.map((f) => (f.event.type === "reset" ? `reset@${f.event.cursor}` : f.id));

describe("a follower whose snapshot is older than the leader's stream", () => {
  it("gets a reset before the first relayed event it cannot follow on from", async () => {
    const leader = tab();
    const follower = tab();
    leader.stream.open(100);
    await vi.waitFor(() => expect(leader.role()).toBe("leader"));
    follower.stream.open(90);
    const source = FakeSubscription.latest();
    source.open();
    emit(source, 101);
    emit(source, 102);
    await vi.waitFor(() => expect(summary(follower.frames)).toEqual(["reset@100", 101, 102]));
    expect(summary(leader.frames)).toEqual([101, 102]);
  });

  it("also when the jump is in the frames it kept while loading", async () => {
    const leader = tab();
    const follower = tab();
    leader.stream.open(100);
    await vi.waitFor(() => expect(leader.role()).toBe("leader"));
    const source = FakeSubscription.latest();
    source.open();
    emit(source, 101);
    await new Promise((r) => setTimeout(r, 20));
    follower.stream.open(90);
    expect(summary(follower.frames)).toEqual(["reset@100", 101]);
  });

  it("a follower that is level with the leader gets no reset", async () => {
    const leader = tab();
    const follower = tab();
    leader.stream.open(100);
    await vi.waitFor(() => expect(leader.role()).toBe("leader"));
    follower.stream.open(100);
    const source = FakeSubscription.latest();
    source.open();
    emit(source, 101);
    emit(source, 102);
    await vi.waitFor(() => expect(summary(follower.frames)).toEqual([101, 102]));
  });
});
