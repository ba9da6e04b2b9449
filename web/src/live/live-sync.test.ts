import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Agent, HealthReport, TrustReport } from "@agentmesh/client";
import { agentKey, healthKey, trustKey } from "../api/agent";
import { pageKey, statsKey } from "../api/agents-window";
import { FakeSubscription, fakeClient } from "../test/fake-client";
import { FakeLocks } from "../test/fake-locks";
import { agentEventsKey, type AgentEvents } from "../api/agent-events";
import { agent, at, deregistered, healthChanged, registered, trustChanged, updated } from "../test/factories";
import { LiveSync } from "./live-sync";
import type { SequencedEvent } from "./fleet-updates";

let client: QueryClient;

function liveFrom(cursor: number, batchMs = 0) {
  const live = new LiveSync(client, { batchMs, stream: { client: fakeClient } });
  live.start(cursor);
  FakeSubscription.latest().open();
  return live;
}

beforeEach(() => {
  FakeSubscription.reset();
  client = new QueryClient();
});
afterEach(() => {
  client.clear();
  vi.useRealTimers();
});

describe("LiveSync", () => {
  it("streams from the cursor it is started at; stop and start resume from the last event", () => {
    const live = liveFrom(10);
    expect(FakeSubscription.latest().lastEventIdParam).toBe("10");
    FakeSubscription.latest().emit("agent_registered", 11, registered(agent("b")));
    live.stop();
    expect(FakeSubscription.latest().closedByClient).toBe(true);
    live.start(5);
    expect(FakeSubscription.created).toHaveLength(2);
    expect(FakeSubscription.latest().lastEventIdParam).toBe("11");
  });

  it("says a read older than where the stream opened may have missed events", () => {
    const live = new LiveSync(client, { stream: { client: fakeClient } });
    expect(live.missedSince(3)).toBe(false);
    live.start(10);
    expect(live.missedSince(9)).toBe(true);
    expect(live.missedSince(10)).toBe(false);
  });

  it("marks the agents-table pages no view shows stale, so going back to other filters reads them again; shown pages are left to the table", () => {
    const live = liveFrom(10);
    const params = { q: "", health: undefined, sort: "name", order: "asc" } as never;
    const hidden = pageKey({ ...(params as object), q: "old" } as never, 0, 100);
    const shown = pageKey(params, 0, 100);
    client.setQueryData(hidden, { agents: [], total: 0, limit: 100, offset: 0, cursor: 10 });
    client.setQueryData(shown, { agents: [], total: 0, limit: 100, offset: 0, cursor: 10 });
    const observer = new QueryObserver(client, { queryKey: shown, queryFn: () => new Promise(() => {}), staleTime: Infinity });
    const unsubscribe = observer.subscribe(() => {});
    FakeSubscription.latest().emit("agent_health_changed", 11, healthChanged(agent("x", { health_status: "offline" }), "healthy"));
    expect(client.getQueryState(hidden)?.isInvalidated).toBe(true);
    expect(client.getQueryState(shown)?.isInvalidated).toBe(false);
    unsubscribe();
    live.stop();
  });

  it("hands a burst of events to its listeners in one batch", () => {
    vi.useFakeTimers();
    const live = liveFrom(10, 50);
    const batches: (readonly SequencedEvent[])[] = [];
    const off = live.onEvents((events) => batches.push(events));
    for (let i = 0; i < 20; i++) FakeSubscription.latest().emit("agent_registered", 11 + i, registered(agent(`n${i}`)));
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(50);
    expect(batches.map((b) => b.length)).toEqual([20]);
    expect(live.feed.getView().entries).toHaveLength(20);
    off();
    FakeSubscription.latest().emit("agent_registered", 40, registered(agent("late")));
    vi.advanceTimersByTime(50);
    expect(batches).toHaveLength(1);
    live.stop();
  });

  it("keeps an open agent page's agent current, and shows one that registers while its page is open", async () => {
    client.setQueryData(agentKey("a"), agent("a", { revision: 2, last_heartbeat_at: at(30) }));
    const missing = new QueryObserver(client, { queryKey: agentKey("b"), queryFn: async (): Promise<Agent> => Promise.reject(new Error("404")), retry: false });
    const unmount = missing.subscribe(() => {});
    await vi.waitFor(() => expect(missing.getCurrentResult().isError).toBe(true));
    liveFrom(10);
    FakeSubscription.latest().emit("agent_health_changed", 11, healthChanged(agent("a", { revision: 3, health_status: "degraded", last_heartbeat_at: at(20) }), "healthy"));
    FakeSubscription.latest().emit("agent_updated", 12, updated(agent("a", { revision: 1, version: "0.1.0" })));
    FakeSubscription.latest().emit("agent_registered", 13, registered(agent("b", { name: "Bravo" })));
    expect(client.getQueryData<Agent>(agentKey("a"))).toMatchObject({ revision: 3, health_status: "degraded", last_heartbeat_at: at(30), version: "1.0.0" });
    expect(client.getQueryData<Agent>(agentKey("b"))).toMatchObject({ name: "Bravo" });
    unmount();
  });

  it("remembers deregistrations with the last card it held, and forgets one when the id registers again", () => {
    client.setQueryData(agentKey("a"), agent("a", { name: "Alpha", revision: 4 }));
    const live = liveFrom(10);
    FakeSubscription.latest().emit("agent_deregistered", 11, deregistered("a", 4, 70));
    expect(live.getRemoved().a).toMatchObject({ at: at(70), agent: { name: "Alpha" } });
    FakeSubscription.latest().emit("agent_registered", 12, registered(agent("a", { created_at: at(80) })));
    expect(live.getRemoved().a).toBeUndefined();
  });

  it("extends an open detail page's trust and health histories from events", () => {
    const trust: TrustReport = { agent_id: "a", score: 0.5, tier: "reliable", history: [{ at: at(1), score: 0.5, tier: "reliable", reason: "x" }] };
    const health: HealthReport = { agent_id: "a", status: "healthy", health_reason: null, probe: null, last_heartbeat_at: at(1), history: [] };
    client.setQueryData(trustKey("a"), trust);
    client.setQueryData(healthKey("a"), health);
    liveFrom(10);
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
    liveFrom(10);
    const source = FakeSubscription.latest();
    source.emit("agent_registered", 11, registered(agent("a")));
    source.emit("agent_updated", 12, updated(agent("a", { revision: 2 })));
    source.emit("agent_registered", 13, registered(agent("b")));
    expect(client.getQueryData<AgentEvents>(agentEventsKey("a"))!.entries.map((e) => [e.id, e.event.type])).toEqual([
      [12, "agent_updated"],
      [11, "agent_registered"],
    ]);
  });

  it("after a reset reads again the totals and the agents on screen, once for resets that come together", async () => {
    const fetchTrust = vi.fn(async (): Promise<TrustReport> => ({ agent_id: "a", score: 0.5, tier: "reliable", history: [] }));
    const fetchStats = vi.fn(async () => ({ agents: { total: 1 } }));
    const observers = [
      new QueryObserver(client, { queryKey: trustKey("a"), queryFn: fetchTrust, staleTime: Infinity }),
      new QueryObserver(client, { queryKey: statsKey, queryFn: fetchStats, staleTime: Infinity }),
    ];
    const unmount = observers.map((o) => o.subscribe(() => {}));
    await vi.waitFor(() => expect(fetchStats).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(fetchTrust).toHaveBeenCalledTimes(1));
    const live = liveFrom(10);
    FakeSubscription.latest().emit("reset", 20, { type: "reset", cursor: 20, reason: "history_pruned", requested: 10 });
    FakeSubscription.latest().emit("reset", 20, { type: "reset", cursor: 20, reason: "history_pruned", requested: 10 });
    expect(live.getState().resyncing).toBe(true);
    await vi.waitFor(() => expect(live.getState().resyncing).toBe(false));
    expect(fetchTrust).toHaveBeenCalledTimes(2);
    expect(fetchStats).toHaveBeenCalledTimes(2);
    for (const off of unmount) off();
  });

  it("in a follower tab, hands the events the leader tab relays to its own listeners", async () => {
    const sharing = { locks: new FakeLocks() as unknown as LockManager, channel: (name: string) => new BroadcastChannel(name), name: "live-sync-test" };
    const other = new QueryClient();
    const leader = new LiveSync(client, { batchMs: 0, share: sharing, stream: { client: fakeClient } });
    const follower = new LiveSync(other, { batchMs: 0, share: sharing, stream: { client: fakeClient } });
    const relayed: number[] = [];
    follower.onEvents((events) => relayed.push(...events.map((e) => e.id)));
    leader.start(10);
    await vi.waitFor(() => expect(leader.getState().role).toBe("leader"));
    follower.start(10);
    FakeSubscription.latest().open();
    FakeSubscription.latest().emit("agent_registered", 11, registered(agent("b")));
    await vi.waitFor(() => expect(relayed).toEqual([11]));
    expect(follower.getState()).toMatchObject({ role: "follower", status: "live" });
    expect(follower.feed.getView().entries.map((e) => e.id)).toEqual([11]);
    expect(FakeSubscription.created).toHaveLength(1);
    leader.stop();
    follower.stop();
    other.clear();
  });
});
