/**
 * Store contract, part two: the event log — ids, atomicity with the change,
 * reading with filters, bounds and pruning.
 */
import { describe, expect, it } from "vitest";
import { T0, agent, ev, guardOf, type ContractContext } from "./contract-fixtures.js";
import { HISTORY_PER_AGENT, type StoredEvent } from "./store.js";

export function eventContract(ctx: ContractContext): void {
  describe("event log", () => {
    it("an empty log has no oldest event and last id 0", async () => {
      expect(await ctx.store.eventBounds()).toEqual({ oldest: null, last: 0 });
      expect(await ctx.store.eventsAfter(0, 10)).toEqual([]);
    });

    it("ids start at 1, are consecutive within a commit in the order given, and come back with the events", async () => {
      const { store } = ctx;
      const events = [ev("agent_registered", "a", T0), ev("trust_score_changed", "a", T0 + 1), ev("agent_health_changed", "a", T0 + 2)];
      const r = await store.commit({ mutation: { op: "insert", row: agent("a") }, events });
      expect(r).toEqual({ ok: true, events: events.map((e, i) => ({ ...e, id: i + 1 })) });
      const r2 = await store.commit({ mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b")] });
      expect(r2.ok && r2.events[0].id).toBe(4);
      const read = await store.eventsAfter(0, 10);
      expect(read).toEqual([...(r.ok ? r.events : []), ...(r2.ok ? r2.events : [])]);
      expect(await store.eventBounds()).toEqual({ oldest: 1, last: 4 });
    });

    it("a commit without events, a conflict and a failed commit consume no id, and a failed commit leaves no trace", async () => {
      const { store } = ctx;
      const row = agent("a");
      await store.commit({ mutation: { op: "insert", row }, events: [ev("agent_registered", "a")] });
      expect(await store.commit({ mutation: { op: "touch", id: "a", lastHeartbeatAt: 1, trustRaw: 0.5, trustUpdatedAt: 1, expect: guardOf(row) }, events: [] })).toEqual({ ok: true, events: [] });
      expect((await store.commit({ mutation: { op: "update", row, expect: guardOf(row) }, events: [ev("agent_updated", "a")] })).ok).toBe(false);
      // The event cannot be stored (no agent id): the whole commit, agent included, must roll back.
      const broken = { ...ev("agent_registered", "atomic"), agentId: null as unknown as string };
      await expect(
        store.commit({
          mutation: { op: "insert", row: agent("atomic") },
          events: [ev("agent_registered", "atomic"), broken],
          trustHistory: [{ agentId: "atomic", at: 1, score: 0.5, tier: "reliable", reason: "registered" }],
        }),
      ).rejects.toThrow();
      expect(await store.getAgent("atomic")).toBeUndefined();
      expect(await store.trustHistory("atomic", 10)).toEqual([]);
      expect(await store.eventBounds()).toEqual({ oldest: 1, last: 1 });
      const next = await store.commit({ mutation: { op: "insert", row: agent("atomic") }, events: [ev("agent_registered", "atomic")] });
      expect(next.ok && next.events[0].id).toBe(2);
    });

    it("concurrent commits get unique, gapless ids, contiguous within each commit", async () => {
      const { store } = ctx;
      const commits = await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const id = `c${i}`;
          const events = Array.from({ length: 1 + (i % 3) }, () => ev("agent_registered", id));
          return store.commit({ mutation: { op: "insert", row: agent(id) }, events });
        }),
      );
      const all: StoredEvent[] = [];
      for (const c of commits) {
        expect(c.ok).toBe(true);
        if (!c.ok) continue;
        c.events.forEach((e, i) => expect(e.id).toBe(c.events[0].id + i));
        all.push(...c.events);
      }
      all.sort((a, b) => a.id - b.id);
      expect(all.map((e) => e.id)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
      expect(await store.eventsAfter(0, 1000)).toEqual(all);
      expect(await store.eventBounds()).toEqual({ oldest: 1, last: all.length });
    });

    it("eventsAfter reads after an id, up to a limit, filtered by type and agent", async () => {
      const { store } = ctx;
      await store.commit({ mutation: { op: "insert", row: agent("a") }, events: [ev("agent_registered", "a"), ev("agent_updated", "a")] }); // 1, 2
      await store.commit({ mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b"), ev("trust_score_changed", "b")] }); // 3, 4
      await store.commit({ mutation: { op: "insert", row: agent("c") }, events: [ev("agent_registered", "c"), ev("agent_health_changed", "a")] }); // 5, 6
      const ids = (events: StoredEvent[]) => events.map((e) => e.id);
      expect(ids(await store.eventsAfter(2, 2))).toEqual([3, 4]);
      expect(ids(await store.eventsAfter(6, 10))).toEqual([]);
      expect(ids(await store.eventsAfter(0, 10, { types: ["agent_registered"] }))).toEqual([1, 3, 5]);
      expect(ids(await store.eventsAfter(1, 1, { types: ["agent_registered"] }))).toEqual([3]);
      expect(ids(await store.eventsAfter(0, 10, { agentIds: ["a"] }))).toEqual([1, 2, 6]);
      expect(ids(await store.eventsAfter(0, 10, { agentIds: ["a", "c"], types: ["agent_registered", "agent_health_changed"] }))).toEqual([1, 5, 6]);
      expect(ids(await store.eventsAfter(0, 10, { types: [], agentIds: [] }))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(ids(await store.eventsAfter(0, 10, { agentIds: ["nobody"] }))).toEqual([]);
      const [e] = await store.eventsAfter(3, 1);
      expect(e).toEqual({ ...ev("trust_score_changed", "b"), id: 4 });
    });

    it("prune by count keeps the newest events; the last id survives and ids continue", async () => {
      const { store } = ctx;
      for (let i = 0; i < 5; i++) await store.commit({ mutation: { op: "insert", row: agent(`p${i}`) }, events: [ev("agent_registered", `p${i}`), ev("agent_updated", `p${i}`)] });
      expect(await store.prune(4, 0)).toBe(6);
      expect(await store.eventBounds()).toEqual({ oldest: 7, last: 10 });
      expect((await store.eventsAfter(0, 100)).map((e) => e.id)).toEqual([7, 8, 9, 10]);
      expect(await store.prune(4, 0)).toBe(0);
      const r = await store.commit({ mutation: { op: "insert", row: agent("after") }, events: [ev("agent_registered", "after")] });
      expect(r.ok && r.events[0].id).toBe(11);
    });

    it("prune by age removes events older than the cutoff; pruning all keeps the last id", async () => {
      const { store } = ctx;
      for (let i = 0; i < 4; i++) await store.commit({ mutation: { op: "insert", row: agent(`p${i}`) }, events: [ev("agent_registered", `p${i}`, T0 + i * 1000)] });
      expect(await store.prune(1000, T0 + 2000)).toBe(2);
      expect(await store.eventBounds()).toEqual({ oldest: 3, last: 4 });
      expect(await store.prune(1000, T0 + 10_000)).toBe(2);
      expect(await store.eventBounds()).toEqual({ oldest: null, last: 4 });
      expect(await store.eventsAfter(0, 10)).toEqual([]);
      const r = await store.commit({ mutation: { op: "insert", row: agent("late") }, events: [ev("agent_registered", "late")] });
      expect(r.ok && r.events[0].id).toBe(5);
      expect(await store.eventBounds()).toEqual({ oldest: 5, last: 5 });
    });

    it("prune trims each agent's history to its newest rows", async () => {
      const { store } = ctx;
      const row = agent("long");
      const extra = 7;
      const trust = Array.from({ length: HISTORY_PER_AGENT + extra }, (_, i) => ({ agentId: "long", at: i, score: 0.5, tier: "reliable" as const, reason: `t${i}` }));
      const health = Array.from({ length: HISTORY_PER_AGENT + extra }, (_, i) => ({ agentId: "long", at: i, status: "healthy" as const, previousStatus: "degraded" as const, message: `h${i}` }));
      await store.commit({ mutation: { op: "insert", row }, events: [], trustHistory: trust, healthHistory: health });
      await store.commit({ mutation: { op: "insert", row: agent("short") }, events: [], trustHistory: trust.slice(0, 3).map((t) => ({ ...t, agentId: "short" })) });
      await store.prune(1000, 0);
      const kept = await store.trustHistory("long", 10_000);
      expect(kept).toHaveLength(HISTORY_PER_AGENT);
      expect(kept[0].reason).toBe(`t${extra}`);
      expect(kept[kept.length - 1].reason).toBe(`t${HISTORY_PER_AGENT + extra - 1}`);
      const keptHealth = await store.healthHistory("long", 10_000);
      expect(keptHealth).toHaveLength(HISTORY_PER_AGENT);
      expect(keptHealth[0].message).toBe(`h${extra}`);
      expect(await store.trustHistory("short", 10)).toHaveLength(3);
    });
  });
}
