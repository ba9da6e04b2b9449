import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { HealthReport, TrustReport } from "@agentmesh/client";
import { healthKey, trustKey } from "../api/agent";
import { fleetKey, type Fleet } from "../api/fleet";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { FakeLocks } from "../test/fake-locks";
import { agentEventsKey, type AgentEvents } from "../api/agent-events";
import { agent, at, fleetOf, healthChanged, registered, trustChanged, updated } from "../test/factories";
import { LiveSync } from "./live-sync";

let client: QueryClient;
const fleet = () => client.getQueryData<Fleet>(fleetKey)!;

function liveWith(fetchFleet: () => Promise<Fleet>, batchMs = 0) {
  const live = new LiveSync(client, { batchMs, fetchFleet, stream: { client: fakeClient } });
  live.start();
  FakeSubscription.latest().open();
  return live;
}

beforeEach(() => {
  FakeSubscription.reset();
  client = new QueryClient();
  client.setQueryData(fleetKey, fleetOf([agent("a")], 10));
});
afterEach(() => {
  client.clear();
  vi.useRealTimers();
});

describe("LiveSync", () => {
  it("needs the fleet first, then streams from its cursor; stop and start resume from the last applied event", () => {
    const live = liveWith(async () => fleetOf([], 0));
    expect(FakeSubscription.latest().lastEventIdParam).toBe("10");
    FakeSubscription.latest().emit("agent_registered", 11, registered(agent("b")));
    live.stop();
    expect(FakeSubscription.latest().closedByClient).toBe(true);
    live.start();
    expect(FakeSubscription.created).toHaveLength(2);
    expect(FakeSubscription.latest().lastEventIdParam).toBe("11");
    expect(() => new LiveSync(new QueryClient()).start()).toThrow(/fleet/);
  });

  it("applies a burst of events in one cache write", () => {
    vi.useFakeTimers();
    const live = liveWith(async () => fleetOf([], 0), 50);
    const writes = vi.fn();
    const unsubscribe = client.getQueryCache().subscribe((e) => e.type === "updated" && writes());
    for (let i = 0; i < 20; i++) FakeSubscription.latest().emit("agent_registered", 11 + i, registered(agent(`n${i}`)));
    expect(Object.keys(fleet().agents)).toHaveLength(1);
    vi.advanceTimersByTime(50);
    expect(Object.keys(fleet().agents)).toHaveLength(21);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(live.feed.getView().entries).toHaveLength(20);
    unsubscribe();
    live.stop();
  });

  it("extends an open detail page's trust and health histories from events", () => {
    const trust: TrustReport = { agent_id: "a", score: 0.5, tier: "reliable", history: [{ at: at(1), score: 0.5, tier: "reliable", reason: "x" }] };
    const health: HealthReport = { agent_id: "a", status: "healthy", last_heartbeat_at: at(1), history: [] };
    client.setQueryData(trustKey("a"), trust);
    client.setQueryData(healthKey("a"), health);
    liveWith(async () => fleetOf([], 0));
    FakeSubscription.latest().emit("trust_score_changed", 11, trustChanged(agent("a", { trust_score: 0.82, trust_tier: "elite", revision: 2, updated_at: at(5) }), 0.5, "success"));
    FakeSubscription.latest().emit("agent_health_changed", 12, healthChanged(agent("a", { health_status: "offline", revision: 3, updated_at: at(9), last_heartbeat_at: at(2) }), "healthy", "no heartbeat for 30s"));
    expect(client.getQueryData<TrustReport>(trustKey("a"))).toMatchObject({ score: 0.82, tier: "elite", history: [{ score: 0.5 }, { score: 0.82, reason: "success", at: at(5) }] });
    expect(client.getQueryData<HealthReport>(healthKey("a"))).toMatchObject({
      status: "offline",
      last_heartbeat_at: at(2),
      history: [{ status: "offline", previous_status: "healthy", message: "no heartbeat for 30s" }],
    });
  });

  it("puts stream events on top of an open agent page's recent events, once each", () => {
    const held: AgentEvents = { entries: [{ id: 11, event: registered(agent("a")) }] };
    client.setQueryData(agentEventsKey("a"), held);
    liveWith(async () => fleetOf([], 0));
    const source = FakeSubscription.latest();
    source.emit("agent_registered", 11, registered(agent("a")));
    source.emit("agent_updated", 12, updated(agent("a", { revision: 2 })));
    source.emit("agent_registered", 13, registered(agent("b")));
    expect(client.getQueryData<AgentEvents>(agentEventsKey("a"))!.entries.map((e) => [e.id, e.event.type])).toEqual([
      [12, "agent_updated"],
      [11, "agent_registered"],
    ]);
  });

  it("on reset refetches once, and again only if the snapshot is older than a later reset asks", async () => {
    const answers = [fleetOf([agent("a", { revision: 2 })], 50), fleetOf([agent("a", { revision: 3 })], 90)];
    const fetchFleet = vi.fn(async () => answers.shift()!);
    const live = liveWith(fetchFleet);
    const source = FakeSubscription.latest();
    source.emit("reset", 50, { type: "reset", cursor: 50, reason: "history_pruned", requested: 10 });
    source.emit("reset", 90, { type: "reset", cursor: 90, reason: "unknown_event_id", requested: 50 });
    await vi.waitFor(() => expect(live.getState().resyncing).toBe(false));
    expect(fetchFleet).toHaveBeenCalledTimes(2);
    expect(fleet().agents.a.revision).toBe(3);
    expect(fleet().cursor).toBe(90);
  });

  it("refetches detail queries on screen after a reset", async () => {
    const fetchTrust = vi.fn(async (): Promise<TrustReport> => ({ agent_id: "a", score: 0.5, tier: "reliable", history: [] }));
    const onScreen = new QueryObserver(client, { queryKey: trustKey("a"), queryFn: fetchTrust, staleTime: Infinity });
    const unmount = onScreen.subscribe(() => {});
    await vi.waitFor(() => expect(fetchTrust).toHaveBeenCalledTimes(1));
    const live = liveWith(async () => fleetOf([agent("a")], 20));
    FakeSubscription.latest().emit("reset", 20, { type: "reset", cursor: 20, reason: "history_pruned", requested: 10 });
    await vi.waitFor(() => expect(live.getState().resyncing).toBe(false));
    expect(fetchTrust).toHaveBeenCalledTimes(2);
    unmount();
  });

  it("in a follower tab, applies the events the leader tab relays to its own cache", async () => {
    const sharing = { locks: new FakeLocks() as unknown as LockManager, channel: (name: string) => new BroadcastChannel(name), name: "live-sync-test" };
    const other = new QueryClient();
    other.setQueryData(fleetKey, fleetOf([agent("a")], 10));
    const leader = new LiveSync(client, { batchMs: 0, share: sharing, stream: { client: fakeClient } });
    const follower = new LiveSync(other, { batchMs: 0, share: sharing, stream: { client: fakeClient } });
    leader.start();
    await vi.waitFor(() => expect(leader.getState().role).toBe("leader"));
    follower.start();
    FakeSubscription.latest().open();
    FakeSubscription.latest().emit("agent_registered", 11, registered(agent("b")));
    await vi.waitFor(() => expect(Object.keys(other.getQueryData<Fleet>(fleetKey)!.agents)).toEqual(["a", "b"]));
    expect(follower.getState()).toMatchObject({ role: "follower", status: "live" });
    expect(follower.feed.getView().entries.map((e) => e.id)).toEqual([11]);
    expect(FakeSubscription.created).toHaveLength(1);
    leader.stop();
    follower.stop();
    other.clear();
  });
});
