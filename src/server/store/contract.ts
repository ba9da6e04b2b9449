/**
 * The store contract: one suite, run unchanged against every Store
 * implementation (sqlite.test.ts, postgres.test.ts). It pins down what the
 * registry, the tailer and the hub rely on — guarded writes, the event log's
 * ids (strictly increasing, gapless, atomic with their change), pruning, the
 * list query and its cursor, the sweeper's and the reaper's queries, history
 * and durability.
 *
 * @example
 * runStoreContract("sqlite", async () => {
 *   const dir = mkdtempSync(join(tmpdir(), "store-"));
 *   const open = async () => { const s = await openSqliteStore(join(dir, "db")); await s.migrate(); return s; };
 *   const store = await open();
 *   return { store, reopen: open, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true }); } };
 * });
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventContract } from "./contract-events.js";
import { listContract } from "./contract-list.js";
import { reapContract } from "./contract-reap.js";
import { sessionContract } from "./contract-sessions.js";
import { agent, ev, guardOf, type StoreFixture } from "./contract-fixtures.js";
import type { Store } from "./store.js";

export type { StoreFixture } from "./contract-fixtures.js";

export function runStoreContract(name: string, open: () => Promise<StoreFixture>): void {
  describe(`store contract: ${name}`, () => {
    const ctx = {} as { fixture: StoreFixture; store: Store };
    beforeEach(async () => {
      ctx.fixture = await open();
      ctx.store = ctx.fixture.store;
    });
    afterEach(async () => {
      await ctx.fixture.cleanup();
    });

    describe("lifecycle", () => {
      it("migrate is idempotent and keeps data", async () => {
        const { store } = ctx;
        await store.commit({ mutation: { op: "insert", row: agent("a") }, events: [ev("agent_registered", "a")] });
        await store.migrate();
        await store.migrate();
        expect((await store.getAgent("a"))?.name).toBe("Agent a");
        expect((await store.eventBounds()).last).toBe(1);
      });

      it("ping answers while open and rejects once closed; close is idempotent", async () => {
        const { store } = ctx;
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await store.close();
        await expect(store.ping()).rejects.toThrow();
      });

      it("a reopened store keeps agents, events, history and report counts, and ids continue", async () => {
        const { store } = ctx;
        const row = agent("keep", { tags: ["x"], metadata: { k: [1, 2] } });
        await store.commit({
          mutation: { op: "insert", row },
          events: [ev("agent_registered", "keep"), ev("agent_updated", "keep")],
          trustHistory: [{ agentId: "keep", at: 5, score: 0.5, tier: "reliable", reason: "registered" }],
          healthHistory: [{ agentId: "keep", at: 6, status: "healthy", previousStatus: "unknown", message: "up" }],
          reportCount: { subjectId: "keep", reporterId: "other", windowStart: 7, count: 3 },
        });
        await store.prune(1, 0);
        await store.close();
        const again = await ctx.fixture.reopen();
        try {
          expect(await again.getAgent("keep")).toEqual(row);
          expect(await again.eventBounds()).toEqual({ oldest: 2, last: 2 });
          expect((await again.eventsAfter(0, 10)).map((e) => e.type)).toEqual(["agent_updated"]);
          expect(await again.trustHistory("keep", 10)).toHaveLength(1);
          expect(await again.healthHistory("keep", 10)).toEqual([{ agentId: "keep", at: 6, status: "healthy", previousStatus: "unknown", message: "up" }]);
          expect(await again.reportCount("keep", "other")).toEqual({ subjectId: "keep", reporterId: "other", windowStart: 7, count: 3 });
          const r = await again.commit({ mutation: { op: "delete", id: "keep", expect: guardOf(row) }, events: [ev("agent_deregistered", "keep")] });
          expect(r.ok && r.events.map((e) => e.id)).toEqual([3]);
        } finally {
          await again.close();
        }
      });
    });

    describe("agents: guarded writes", () => {
      it("insert round-trips every field", async () => {
        const row = agent("r:1.x_y-z", {
          name: "Ünïcode “name” 🚀",
          description: "line one\nline two, with {braces} and \"quotes\" and \\ backslash",
          skills: [{ name: "summarize", description: "s", tags: ["nlp", "text"] }, { name: "echo", description: "" }],
          tags: ["a", "B"],
          provider: "acme",
          metadata: { nested: { list: [1, "two", null, true] }, n: 1.5 },
          health_status: "degraded",
          health_message: "slow disk",
          last_heartbeat_at: 1_799_999_999_999,
          trust_score: 0.123456789012345,
          trust_raw: 0.98765432109876,
          trust_updated_at: 1_800_000_000_001,
          revision: 42,
          token_hash: "f".repeat(64),
          healthy_since: 1_799_999_000_123,
          reports_window_start: 1_799_999_500_000,
          reports_window_weight: 1.2345678901234567,
        });
        expect(await ctx.store.commit({ mutation: { op: "insert", row }, events: [] })).toEqual({ ok: true, events: [] });
        expect(await ctx.store.getAgent(row.id)).toEqual(row);
        expect(await ctx.store.getAgent("missing")).toBeUndefined();
      });

      it("insert of an id already held answers exists and writes nothing", async () => {
        const { store } = ctx;
        const row = agent("dup");
        await store.commit({ mutation: { op: "insert", row }, events: [ev("agent_registered", "dup")] });
        const r = await store.commit({
          mutation: { op: "insert", row: agent("dup", { name: "Other" }) },
          events: [ev("agent_registered", "dup")],
          trustHistory: [{ agentId: "dup", at: 1, score: 0.5, tier: "reliable", reason: "x" }],
          reportCount: { subjectId: "dup", reporterId: "z", windowStart: 1, count: 1 },
        });
        expect(r).toEqual({ ok: false, reason: "exists" });
        expect((await store.getAgent("dup"))?.name).toBe("Agent dup");
        expect(await store.trustHistory("dup", 10)).toEqual([]);
        expect(await store.reportCount("dup", "z")).toBeUndefined();
        expect(await store.eventBounds()).toEqual({ oldest: 1, last: 1 });
      });

      it("update applies only when revision and last heartbeat match what was read", async () => {
        const { store } = ctx;
        const row = agent("u", { last_heartbeat_at: null });
        await store.commit({ mutation: { op: "insert", row }, events: [] });
        const next = { ...row, name: "Renamed", revision: 2, updated_at: row.updated_at + 1 };
        const ok = await store.commit({ mutation: { op: "update", row: next, expect: guardOf(row) }, events: [ev("agent_updated", "u")] });
        expect(ok.ok).toBe(true);
        expect(await store.getAgent("u")).toEqual(next);

        const stale = [
          { revision: 1, lastHeartbeatAt: null },
          { revision: 2, lastHeartbeatAt: 123 },
          { revision: 3, lastHeartbeatAt: null },
        ];
        for (const expectGuard of stale) {
          const r = await store.commit({ mutation: { op: "update", row: { ...next, name: "Nope", revision: 3 }, expect: expectGuard }, events: [ev("agent_updated", "u")] });
          expect(r).toEqual({ ok: false, reason: "conflict" });
        }
        const beat = { ...next, last_heartbeat_at: 500, revision: 3 };
        expect((await store.commit({ mutation: { op: "update", row: beat, expect: guardOf(next) }, events: [] })).ok).toBe(true);
        const nullGuard = await store.commit({ mutation: { op: "update", row: { ...beat, revision: 4 }, expect: { revision: 3, lastHeartbeatAt: null } }, events: [] });
        expect(nullGuard).toEqual({ ok: false, reason: "conflict" });
        expect(await store.getAgent("u")).toEqual(beat);
        expect((await store.eventBounds()).last).toBe(1);
      });

      it("update of an agent that does not exist is a conflict", async () => {
        const row = agent("ghost");
        expect(await ctx.store.commit({ mutation: { op: "update", row, expect: guardOf(row) }, events: [ev("agent_updated", "ghost")] })).toEqual({
          ok: false,
          reason: "conflict",
        });
        expect(await ctx.store.getAgent("ghost")).toBeUndefined();
      });

      it("touch changes liveness and raw trust only, keeps the revision, and is guarded", async () => {
        const { store } = ctx;
        const row = agent("t", { last_heartbeat_at: 100 });
        await store.commit({ mutation: { op: "insert", row }, events: [] });
        const touch = (expectGuard: { revision: number; lastHeartbeatAt: number | null }, at: number) =>
          store.commit({ mutation: { op: "touch", id: "t", lastHeartbeatAt: at, trustRaw: 0.61, trustUpdatedAt: at, expect: expectGuard }, events: [] });
        expect(await touch(guardOf(row), 200)).toEqual({ ok: true, events: [] });
        expect(await store.getAgent("t")).toEqual({ ...row, last_heartbeat_at: 200, trust_raw: 0.61, trust_updated_at: 200 });
        expect(await touch({ revision: 1, lastHeartbeatAt: 100 }, 300)).toEqual({ ok: false, reason: "conflict" });
        expect(await touch({ revision: 2, lastHeartbeatAt: 200 }, 300)).toEqual({ ok: false, reason: "conflict" });
        expect(await touch({ revision: 1, lastHeartbeatAt: null }, 300)).toEqual({ ok: false, reason: "conflict" });
        expect(await store.commit({ mutation: { op: "touch", id: "nobody", lastHeartbeatAt: 1, trustRaw: 0.5, trustUpdatedAt: 1, expect: { revision: 1, lastHeartbeatAt: null } }, events: [] })).toEqual({
          ok: false,
          reason: "conflict",
        });
        expect((await store.getAgent("t"))?.last_heartbeat_at).toBe(200);
      });

      it("trust standing (0003): touch sets the healthy run and the reports window only when given; the window guards exactly", async () => {
        const { store } = ctx;
        const row = agent("w", { last_heartbeat_at: 100, healthy_since: 50, reports_window_start: 10, reports_window_weight: 0.1 + 0.2 });
        await store.commit({ mutation: { op: "insert", row }, events: [] });
        const plain = { op: "touch" as const, id: "w", lastHeartbeatAt: 100, trustRaw: 0.6, trustUpdatedAt: 200 };
        expect((await store.commit({ mutation: { ...plain, expect: guardOf(row) }, events: [] })).ok).toBe(true);
        expect(await store.getAgent("w")).toMatchObject({ healthy_since: 50, reports_window_start: 10, reports_window_weight: 0.1 + 0.2 });

        const windowOf = (r: typeof row) => ({ start: r.reports_window_start, weight: r.reports_window_weight });
        // A float read back is compared exactly: 0.1 + 0.2 is not 0.3.
        const stale = await store.commit({ mutation: { ...plain, reportsWindow: { start: 10, weight: 1 }, expect: { ...guardOf(row), reportsWindow: { start: 10, weight: 0.3 } } }, events: [] });
        expect(stale).toEqual({ ok: false, reason: "conflict" });
        const ok = await store.commit({
          mutation: { ...plain, healthySince: null, reportsWindow: { start: 10, weight: 1.3 }, expect: { ...guardOf(row), reportsWindow: windowOf(row) } },
          events: [],
        });
        expect(ok.ok).toBe(true);
        expect(await store.getAgent("w")).toMatchObject({ healthy_since: null, reports_window_start: 10, reports_window_weight: 1.3, revision: 1 });
        const again = await store.commit({ mutation: { ...plain, reportsWindow: { start: 10, weight: 2 }, expect: { ...guardOf(row), reportsWindow: windowOf(row) } }, events: [] });
        expect(again).toEqual({ ok: false, reason: "conflict" });

        const read = (await store.getAgent("w"))!;
        const next = { ...read, reports_window_start: 999, reports_window_weight: 0.5, healthy_since: 7, revision: 2 };
        const stored = await store.commit({ mutation: { op: "update", row: next, expect: { ...guardOf(read), reportsWindow: windowOf(read) } }, events: [] });
        expect(stored.ok).toBe(true);
        expect(await store.getAgent("w")).toEqual(next);
        const gone = await store.commit({ mutation: { op: "delete", id: "w", expect: { ...guardOf(next), reportsWindow: { start: 999, weight: 0.4 } } }, events: [] });
        expect(gone).toEqual({ ok: false, reason: "conflict" });
        expect((await store.commit({ mutation: { op: "delete", id: "w", expect: { ...guardOf(next), reportsWindow: windowOf(next) } }, events: [] })).ok).toBe(true);
      });

      it("delete removes the agent with its history and report counts, guarded", async () => {
        const { store } = ctx;
        const a = agent("del");
        const b = agent("stay");
        for (const row of [a, b]) {
          await store.commit({
            mutation: { op: "insert", row },
            events: [],
            trustHistory: [{ agentId: row.id, at: 1, score: 0.5, tier: "reliable", reason: "registered" }],
            healthHistory: [{ agentId: row.id, at: 2, status: "healthy", previousStatus: "unknown", message: null }],
          });
        }
        await store.commit({ mutation: { op: "touch", id: "stay", lastHeartbeatAt: null, trustRaw: 0.5, trustUpdatedAt: 3, expect: guardOf(b) }, events: [], reportCount: { subjectId: "stay", reporterId: "del", windowStart: 1, count: 1 } });
        await store.commit({ mutation: { op: "touch", id: "del", lastHeartbeatAt: null, trustRaw: 0.5, trustUpdatedAt: 3, expect: guardOf(a) }, events: [], reportCount: { subjectId: "del", reporterId: "stay", windowStart: 1, count: 1 } });
        await store.commit({ mutation: { op: "touch", id: "stay", lastHeartbeatAt: null, trustRaw: 0.5, trustUpdatedAt: 3, expect: guardOf(b) }, events: [], reportCount: { subjectId: "stay", reporterId: "third", windowStart: 1, count: 2 } });

        expect(await store.commit({ mutation: { op: "delete", id: "del", expect: { revision: 2, lastHeartbeatAt: null } }, events: [ev("agent_deregistered", "del")] })).toEqual({ ok: false, reason: "conflict" });
        expect(await store.getAgent("del")).toBeDefined();
        const r = await store.commit({ mutation: { op: "delete", id: "del", expect: guardOf(a) }, events: [ev("agent_deregistered", "del")] });
        expect(r.ok && r.events.map((e) => e.id)).toEqual([1]);
        expect(await store.getAgent("del")).toBeUndefined();
        expect(await store.trustHistory("del", 10)).toEqual([]);
        expect(await store.healthHistory("del", 10)).toEqual([]);
        expect(await store.reportCount("del", "stay")).toBeUndefined();
        expect(await store.reportCount("stay", "del")).toBeUndefined();
        expect(await store.reportCount("stay", "third")).toMatchObject({ count: 2 });
        expect(await store.trustHistory("stay", 10)).toHaveLength(1);
        expect(await store.healthHistory("stay", 10)).toHaveLength(1);
        expect(await store.commit({ mutation: { op: "delete", id: "del", expect: guardOf(a) }, events: [] })).toEqual({ ok: false, reason: "conflict" });
      });

      it("of writers racing from the same read, exactly one wins", async () => {
        const { store } = ctx;
        const row = agent("race");
        await store.commit({ mutation: { op: "insert", row }, events: [] });
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store.commit({ mutation: { op: "update", row: { ...row, name: `w${i}`, revision: 2 }, expect: guardOf(row) }, events: [ev("agent_updated", "race")] }),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === "conflict")).toBe(true);
        expect((await store.getAgent("race"))?.revision).toBe(2);
        expect(await store.eventsAfter(0, 100)).toHaveLength(1);
        const inserts = await Promise.all(Array.from({ length: 8 }, () => store.commit({ mutation: { op: "insert", row: agent("same-id") }, events: [ev("agent_registered", "same-id")] })));
        expect(inserts.filter((r) => r.ok)).toHaveLength(1);
        expect(inserts.filter((r) => !r.ok && r.reason === "exists")).toHaveLength(7);
        expect(await store.eventBounds()).toEqual({ oldest: 1, last: 2 });
      });

      it("finds an agent by its token hash", async () => {
        await ctx.store.commit({ mutation: { op: "insert", row: agent("tok", { token_hash: "a".repeat(64) }) }, events: [] });
        await ctx.store.commit({ mutation: { op: "insert", row: agent("tok2", { token_hash: "b".repeat(64) }) }, events: [] });
        expect((await ctx.store.findAgentByTokenHash("b".repeat(64)))?.id).toBe("tok2");
        expect(await ctx.store.findAgentByTokenHash("c".repeat(64))).toBeUndefined();
      });

      it("history is kept per agent, the most recent `limit` rows in the order written", async () => {
        const { store } = ctx;
        const row = agent("h");
        await store.commit({ mutation: { op: "insert", row }, events: [] });
        await store.commit({ mutation: { op: "insert", row: agent("other") }, events: [], trustHistory: [{ agentId: "other", at: 1, score: 0.1, tier: "experimental", reason: "o" }] });
        for (let i = 0; i < 5; i++) {
          await store.commit({
            mutation: { op: "touch", id: "h", lastHeartbeatAt: null, trustRaw: 0.5, trustUpdatedAt: i, expect: guardOf(row) },
            events: [],
            trustHistory: [{ agentId: "h", at: 100 - i, score: i / 10, tier: "experimental", reason: `r${i}` }],
            healthHistory: [{ agentId: "h", at: 100 - i, status: i % 2 ? "healthy" : "degraded", previousStatus: "unknown", message: i === 4 ? null : `m${i}` }],
          });
        }
        expect((await store.trustHistory("h", 3)).map((t) => t.reason)).toEqual(["r2", "r3", "r4"]);
        expect(await store.trustHistory("h", 1)).toEqual([{ agentId: "h", at: 96, score: 0.4, tier: "experimental", reason: "r4" }]);
        expect((await store.healthHistory("h", 10)).map((h) => h.message)).toEqual(["m0", "m1", "m2", "m3", null]);
        expect((await store.healthHistory("h", 2))[0]).toEqual({ agentId: "h", at: 97, status: "healthy", previousStatus: "unknown", message: "m3" });
        expect(await store.trustHistory("nobody", 10)).toEqual([]);
      });

      it("report counts are upserted per (subject, reporter)", async () => {
        const { store } = ctx;
        const row = agent("s");
        await store.commit({ mutation: { op: "insert", row }, events: [] });
        const count = (windowStart: number, n: number, reporterId = "rep") =>
          store.commit({ mutation: { op: "touch", id: "s", lastHeartbeatAt: null, trustRaw: 0.5, trustUpdatedAt: 1, expect: guardOf(row) }, events: [], reportCount: { subjectId: "s", reporterId, windowStart, count: n } });
        expect(await store.reportCount("s", "rep")).toBeUndefined();
        await count(10, 1);
        await count(10, 2);
        await count(99, 1, "rep2");
        expect(await store.reportCount("s", "rep")).toEqual({ subjectId: "s", reporterId: "rep", windowStart: 10, count: 2 });
        await count(50, 1);
        expect(await store.reportCount("s", "rep")).toEqual({ subjectId: "s", reporterId: "rep", windowStart: 50, count: 1 });
        expect(await store.reportCount("s", "rep2")).toMatchObject({ windowStart: 99, count: 1 });
      });
    });

    eventContract(ctx);
    listContract(ctx);
    sessionContract(ctx);
    reapContract(ctx);
  });
}
