/**
 * Store contract, part three: the list query (filters, search, sort, paging,
 * total, cursor), counts, and the sweeper's queries.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { T0, agent, ev, type ContractContext } from "./contract-fixtures.js";
import { parseSelector } from "../../shared/selector.js";
import type { AgentRow, ListOptions, Store } from "./store.js";

const FLEET: AgentRow[] = [
  agent("alpha", { name: "Alpha", tags: ["ml", "Vision"], skills: [{ name: "summarize", description: "", tags: ["nlp"] }], health_status: "healthy", trust_score: 0.85, created_at: T0 + 1, updated_at: T0 + 50, description: "reads images", provider: "acme" }),
  agent("beta", { name: "beta", tags: ["html"], skills: [{ name: "translate", description: "" }], health_status: "degraded", trust_score: 0.5, created_at: T0 + 2, updated_at: T0 + 40, description: "100% pure_text" }),
  agent("gamma", { name: "Gamma", tags: [], skills: [], health_status: "offline", trust_score: 0.2, created_at: T0 + 3, updated_at: T0 + 30, description: "pureXtext 1000 plain" }),
  agent("delta", { name: "delta", tags: ["ml"], skills: [{ name: "summarize", description: "" }], health_status: "healthy", trust_score: 0.5, created_at: T0 + 3, updated_at: T0 + 60, description: "" }),
  agent("epsilon", { name: "Epsilon", tags: ["ML-ops"], skills: [{ name: "summarizer", description: "" }], health_status: "unknown", trust_score: 0.7999, created_at: T0 + 4, updated_at: T0 + 20, description: "x" }),
];

async function seed(store: Store, rows: AgentRow[]) {
  for (const row of rows) {
    const r = await store.commit({ mutation: { op: "insert", row }, events: [ev("agent_registered", row.id)] });
    if (!r.ok) throw new Error(`seed ${row.id}: ${r.reason}`);
  }
}

/** Today's list parameters (`health`, `tag`, `skill`, `q`), read as the route reads them: as a selector. */
type OldFilters = { health?: string; tag?: string; skill?: string; q?: string };

function query(over: Partial<ListOptions> & OldFilters = {}): ListOptions {
  const { health, tag, skill, q, ...rest } = over;
  const parsed = parseSelector(Object.fromEntries(Object.entries({ health, tag, skill, q }).filter(([, v]) => v !== undefined)));
  if (!parsed.ok) throw new Error(parsed.faults.map((f) => f.message).join("; "));
  return { sort: "name", order: "asc", limit: 100, offset: 0, selector: parsed.selector, ...rest };
}

export function listContract(ctx: ContractContext): void {
  describe("list", () => {
    beforeEach(async () => {
      await seed(ctx.store, FLEET);
    });
    const ids = async (over: Partial<ListOptions> & OldFilters = {}) => (await ctx.store.listAgents(query(over))).rows.map((r) => r.id);

    it("returns whole rows, the total and the cursor of the snapshot", async () => {
      const r = await ctx.store.listAgents(query({ limit: 1 }));
      expect(r.rows).toEqual([FLEET[0]]);
      expect(r.total).toBe(5);
      expect(r.cursor).toBe(5);
      expect(r.cursor).toBe((await ctx.store.eventBounds()).last);
    });

    it("filters by health status, by exact tag and skill (case-insensitive)", async () => {
      expect(await ids({ health: "healthy" })).toEqual(["alpha", "delta"]);
      expect(await ids({ health: "unhealthy" })).toEqual([]);
      expect(await ids({ tag: "ml" })).toEqual(["alpha", "delta"]);
      expect(await ids({ tag: "ML" })).toEqual(["alpha", "delta"]);
      expect(await ids({ tag: "vision" })).toEqual(["alpha"]);
      expect(await ids({ tag: "m" })).toEqual([]);
      expect(await ids({ skill: "summarize" })).toEqual(["alpha", "delta"]);
      expect(await ids({ skill: "Translate" })).toEqual(["beta"]);
      expect(await ids({ skill: "summarize", health: "healthy", tag: "vision" })).toEqual(["alpha"]);
    });

    it("searches id, name, description, provider, tags and skills as text; % and _ are literal", async () => {
      expect(await ids({ q: "SUMMAR" })).toEqual(["alpha", "epsilon", "delta"]);
      expect(await ids({ q: "acme" })).toEqual(["alpha"]);
      expect(await ids({ q: "gam" })).toEqual(["gamma"]);
      expect(await ids({ q: "images" })).toEqual(["alpha"]);
      expect(await ids({ q: "nlp" })).toEqual(["alpha"]);
      expect(await ids({ q: "ml-op" })).toEqual(["epsilon"]);
      expect(await ids({ q: "100%" })).toEqual(["beta"]);
      expect(await ids({ q: "pure_text" })).toEqual(["beta"]);
      expect(await ids({ q: "%" })).toEqual(["beta"]);
      expect(await ids({ q: "\\" })).toEqual([]);
      expect(await ids({ q: "summar", health: "healthy" })).toEqual(["alpha", "delta"]);
    });

    it("sorts by each key in both orders, ties broken by id", async () => {
      expect(await ids({ sort: "trust_score", order: "desc" })).toEqual(["alpha", "epsilon", "beta", "delta", "gamma"]);
      expect(await ids({ sort: "trust_score", order: "asc" })).toEqual(["gamma", "beta", "delta", "epsilon", "alpha"]);
      expect(await ids({ sort: "created_at", order: "asc" })).toEqual(["alpha", "beta", "delta", "gamma", "epsilon"]);
      expect(await ids({ sort: "created_at", order: "desc" })).toEqual(["epsilon", "delta", "gamma", "beta", "alpha"]);
      expect(await ids({ sort: "updated_at", order: "desc" })).toEqual(["delta", "alpha", "beta", "gamma", "epsilon"]);
      // Names sort by code point on every store: capitals first.
      expect(await ids({ sort: "name", order: "asc" })).toEqual(["alpha", "epsilon", "gamma", "beta", "delta"]);
      expect(await ids({ sort: "name", order: "desc" })).toEqual(["delta", "beta", "gamma", "epsilon", "alpha"]);
    });

    it("pages with limit and offset; the total ignores paging", async () => {
      const page = await ctx.store.listAgents(query({ limit: 2, offset: 1 }));
      expect(page.rows.map((r) => r.id)).toEqual(["epsilon", "gamma"]);
      expect(page.total).toBe(5);
      const beyond = await ctx.store.listAgents(query({ offset: 10 }));
      expect(beyond).toEqual({ rows: [], total: 5, cursor: 5 });
      const filtered = await ctx.store.listAgents(query({ health: "healthy", limit: 1 }));
      expect(filtered.rows.map((r) => r.id)).toEqual(["alpha"]);
      expect(filtered.total).toBe(2);
    });

    it("the cursor is consistent with the rows while writers commit", async () => {
      const { store } = ctx;
      const registeredAt = new Map<string, number>(FLEET.map((row, i) => [row.id, i + 1]));
      const writers = Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const r = await store.commit({ mutation: { op: "insert", row: agent(`w${i}`) }, events: [ev("agent_registered", `w${i}`)] });
          if (r.ok) registeredAt.set(`w${i}`, r.events[0].id);
        }),
      );
      const snapshots = Promise.all(Array.from({ length: 15 }, () => store.listAgents(query({ limit: 1000 }))));
      const [, lists] = await Promise.all([writers, snapshots]);
      for (const list of lists) {
        const expected = [...registeredAt].filter(([, id]) => id <= list.cursor).map(([agentId]) => agentId).sort();
        expect(list.rows.map((r) => r.id).sort()).toEqual(expected);
        expect(list.total).toBe(expected.length);
      }
    });

    it("counts agents by health and by tier", async () => {
      expect(await ctx.store.countAgents()).toEqual({
        total: 5,
        byHealth: { unknown: 1, healthy: 2, degraded: 1, unhealthy: 0, offline: 1 },
        byTier: { elite: 1, reliable: 3, experimental: 1 },
      });
      await seed(ctx.store, [agent("edge-elite", { trust_score: 0.8 }), agent("edge-exp", { trust_score: 0.4999, health_status: "unhealthy" })]);
      expect(await ctx.store.countAgents()).toEqual({
        total: 7,
        byHealth: { unknown: 2, healthy: 2, degraded: 1, unhealthy: 1, offline: 1 },
        byTier: { elite: 2, reliable: 3, experimental: 2 },
      });
    });
  });

  describe("sweeper queries", () => {
    it("counts nothing in an empty store", async () => {
      expect(await ctx.store.countAgents()).toEqual({
        total: 0,
        byHealth: { unknown: 0, healthy: 0, degraded: 0, unhealthy: 0, offline: 0 },
        byTier: { elite: 0, reliable: 0, experimental: 0 },
      });
    });

    it("staleAgents: not offline, last sign of life at or before the cutoff, oldest first", async () => {
      await seed(ctx.store, [
        agent("s1", { health_status: "healthy", last_heartbeat_at: T0 + 100 }),
        agent("s2", { health_status: "unknown", last_heartbeat_at: null, created_at: T0 + 50 }),
        agent("s3", { health_status: "offline", last_heartbeat_at: T0 }),
        agent("s4", { health_status: "degraded", last_heartbeat_at: T0 + 200 }),
        agent("s5", { health_status: "unhealthy", last_heartbeat_at: T0 + 150, created_at: T0 - 10 }),
      ]);
      expect((await ctx.store.staleAgents(T0 + 150, 10)).map((r) => r.id)).toEqual(["s2", "s1", "s5"]);
      expect((await ctx.store.staleAgents(T0 + 150, 2)).map((r) => r.id)).toEqual(["s2", "s1"]);
      expect(await ctx.store.staleAgents(T0 + 49, 10)).toEqual([]);
    });

    it("decayCandidates: idle since before the cutoff and far enough from 0.5", async () => {
      await seed(ctx.store, [
        agent("d1", { trust_updated_at: T0, trust_raw: 0.7 }),
        agent("d2", { trust_updated_at: T0, trust_raw: 0.5004 }),
        agent("d3", { trust_updated_at: T0 + 1000, trust_raw: 0.9 }),
        agent("d4", { trust_updated_at: T0, trust_raw: 0.3 }),
      ]);
      expect((await ctx.store.decayCandidates(T0 + 1000, 0.0005, 10)).map((r) => r.id).sort()).toEqual(["d1", "d4"]);
      expect(await ctx.store.decayCandidates(T0 + 1000, 0.0005, 1)).toHaveLength(1);
      expect(await ctx.store.decayCandidates(T0, 0.0005, 10)).toEqual([]);
    });
  });
}
