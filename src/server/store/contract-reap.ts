/**
 * Store contract, reaping (`--deregister-after`): the candidates query counts
 * offline time from the committed offline transition, and two registries
 * (instances) reaping one database at once remove and announce each agent
 * exactly once. The registry runs here with an injected clock.
 */
import { describe, expect, it } from "vitest";
import { createRegistry } from "../registry/service.js";
import { T0, agent, type ContractContext } from "./contract-fixtures.js";
import type { AgentRow, HealthHistoryRow, Store, StoredEvent } from "./store.js";

const went = (agentId: string, at: number, status: HealthHistoryRow["status"] = "offline"): HealthHistoryRow => ({
  agentId,
  at,
  status,
  previousStatus: "healthy",
  message: null,
});

/** Offline after 30 s of silence, reaped after 60 s offline. */
const config = { heartbeatIntervalMs: 10_000, offlineAfterMs: 30_000, adminToken: null, registrationToken: null, trustStep: 0.01, trustMaturityMs: 0, deregisterAfterMs: 60_000, cardRefreshMs: 600_000 };
const card = (id: string) => ({ id, name: id, version: "1", description: "", endpoint: "http://127.0.0.1:9/", protocol: "http" as const });

async function insert(store: Store, row: AgentRow, history: HealthHistoryRow[] = []) {
  const r = await store.commit({ mutation: { op: "insert", row }, events: [], healthHistory: history });
  expect(r.ok).toBe(true);
}

export function reapContract(ctx: ContractContext): void {
  describe("reaping", () => {
    it("reapCandidates: offline agents whose offline transition is at or before the cutoff, longest offline first, with its time", async () => {
      const { store } = ctx;
      const offline = { health_status: "offline" as const, last_heartbeat_at: T0 + 10 };
      await insert(store, agent("gone", offline), [went("gone", T0 + 5, "healthy"), went("gone", T0 + 100)]);
      await insert(store, agent("recent", offline), [went("recent", T0 + 500)]);
      // Silent since T0 + 10, but marked offline only at T0 + 300 (the registry was down meanwhile).
      await insert(store, agent("late", offline), [went("late", T0 + 300)]);
      await insert(store, agent("alive", { health_status: "healthy", last_heartbeat_at: T0 + 10 }), [went("alive", T0 + 20)]);
      // No health history at all: counts from its last update.
      await insert(store, agent("bare", { health_status: "offline", last_heartbeat_at: null, updated_at: T0 + 50 }));

      const at = async (cutoff: number, limit = 10) => (await store.reapCandidates(cutoff, limit)).map((c) => [c.row.id, c.offlineSince - T0]);
      expect(await at(T0 + 300)).toEqual([
        ["bare", 50],
        ["gone", 100],
        ["late", 300],
      ]);
      expect(await at(T0 + 299, 2)).toEqual([
        ["bare", 50],
        ["gone", 100],
      ]);
      expect(await at(T0 + 49)).toEqual([]);
      const [first] = await store.reapCandidates(T0 + 1000, 1);
      expect(first.row).toEqual(await store.getAgent("bare"));
    });

    it("two registries reaping one database: each agent offline for deregister_after is removed and announced once, with reason reaped", async () => {
      const other = await ctx.fixture.reopen();
      try {
        let now = T0;
        const published: StoredEvent[] = [];
        const instance = (store: Store) => createRegistry({ store, config, clock: { now: () => now }, onCommit: (events) => published.push(...events) });
        const [a, b] = [instance(ctx.store), instance(other)];
        const tokens: Record<string, string> = {};
        for (const id of ["r1", "r2", "r3", "back"]) tokens[id] = (await a.register(card(id), {})).token!;
        for (const id of Object.keys(tokens)) await a.heartbeat(id, {}, { bearer: tokens[id] });

        now += 30_000;
        expect(await a.sweep()).toBe(4);
        now += 60_000 - 1;
        expect(await Promise.all([a.reap(), b.reap()])).toEqual([0, 0]);
        await a.heartbeat("back", {}, { bearer: tokens.back });
        now += 1;
        const reaped = await Promise.all([a.reap(), b.reap()]);
        expect(reaped[0] + reaped[1]).toBe(3);
        expect(await Promise.all([a.reap(), b.reap()])).toEqual([0, 0]);

        const log = (await ctx.store.eventsAfter(0, 1000)).filter((e) => e.type === "agent_deregistered").map((e) => JSON.parse(e.payload));
        expect(log.map((e) => e.agent_id).sort()).toEqual(["r1", "r2", "r3"]);
        expect(log.every((e) => e.reason === "reaped" && e.revision === 3 && e.agent === undefined)).toBe(true);
        expect(published.filter((e) => e.type === "agent_deregistered")).toHaveLength(3);
        for (const id of ["r1", "r2", "r3"]) expect(await other.getAgent(id)).toBeUndefined();
        expect((await ctx.store.getAgent("back"))?.health_status).toBe("healthy");
      } finally {
        await other.close();
      }
    });

    it("offline time counts from the offline transition, not from the last heartbeat", async () => {
      let now = T0;
      const registry = createRegistry({ store: ctx.store, config, clock: { now: () => now }, onCommit: () => {} });
      const { token } = await registry.register(card("slept"), {});
      await registry.heartbeat("slept", {}, { bearer: token! });
      // The registry was down for ten minutes: the sweep that marks the agent offline runs late.
      now += 600_000;
      expect(await registry.sweep()).toBe(1);
      expect(await registry.reap()).toBe(0);
      now += 59_999;
      expect(await registry.reap()).toBe(0);
      now += 1;
      expect(await registry.reap()).toBe(1);
      expect(await ctx.store.getAgent("slept")).toBeUndefined();
    });
  });
}
