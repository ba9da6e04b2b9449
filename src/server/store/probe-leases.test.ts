/**
 * The probe leases on a real SQLite file and a real PostgreSQL (a fresh schema
 * per test), through the shared migrations: one suite, both stores.
 */
import { Kysely, PostgresDialect } from "kysely";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteLeases } from "../../../test/probes/sqlite-leases.js";
import { createSchema } from "../../../test/scale/pg.js";
import { INITIAL_COUNTERS } from "../domain/probes.js";
import type { ResolvedProbe } from "../../shared/probe.js";
import { migrateToLatest, type Dialect } from "./migrations.js";
import { createProbeLeases, PROBE_RESULTS_KEPT, type ProbeDatabase, type ProbeLeases, type StoredProbeResult } from "./probe-leases.js";

interface Instance {
  leases: ProbeLeases;
  db: Kysely<ProbeDatabase>;
}

interface Fixture {
  /** A new instance (its own connection or pool) on the same database. */
  instance(): Promise<Instance>;
  cleanup(): Promise<void>;
}

async function sqliteFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-probes-"));
  const dbs: Kysely<ProbeDatabase>[] = [];
  return {
    async instance() {
      const opened = await openSqliteLeases(join(dir, "agentmesh.db"), dbs.length === 0);
      dbs.push(opened.db);
      return opened;
    },
    async cleanup() {
      await Promise.all(dbs.map((d) => d.destroy()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresFixture(): Promise<Fixture> {
  const schema = await createSchema();
  const dbs: Kysely<ProbeDatabase>[] = [];
  let migrated = false;
  return {
    async instance() {
      const pool = new pg.Pool({ connectionString: schema.url, max: 4 });
      const db = new Kysely<ProbeDatabase>({ dialect: new PostgresDialect({ pool }) });
      if (!migrated) await migrateToLatest(db as Kysely<any>, "postgres", schema.schema);
      migrated = true;
      dbs.push(db);
      return { db, leases: createProbeLeases(db, "postgres") };
    },
    async cleanup() {
      await Promise.all(dbs.map((d) => d.destroy()));
      await schema.drop();
    },
  };
}

const http = (url: string): ResolvedProbe => ({ kind: "http", url, interval_ms: 30_000, timeout_ms: 5000, failures: 3, successes: 2 });
const result = (at: number, ok = true): StoredProbeResult => ({ kind: "http", ok, latency_ms: 3, at, ...(ok ? { status_code: 200 } : { error: "HTTP 503" }) });

const stores: [Dialect, () => Promise<Fixture>][] = [
  ["sqlite", sqliteFixture],
  ["postgres", postgresFixture],
];

describe.each(stores)("probe leases on %s", (_name, makeFixture) => {
  let fixture: Fixture;
  afterEach(async () => {
    await fixture?.cleanup();
  });
  const setup = async () => {
    fixture = await makeFixture();
    return fixture.instance();
  };

  it("claims only due, unleased probes, earliest first and at most `limit`", async () => {
    const { leases } = await setup();
    await leases.upsert("c", http("http://c.test/"), 300);
    await leases.upsert("a", http("http://a.test/"), 100);
    await leases.upsert("b", http("http://b.test/"), 200);
    await leases.upsert("later", http("http://later.test/"), 5000);
    const first = await leases.claimDue("one", 1000, 2, 10_000);
    expect(first.map((p) => p.agentId)).toEqual(["a", "b"]);
    expect(first[0]).toMatchObject({ leaseOwner: "one", leaseUntil: 11_000, config: http("http://a.test/"), counters: INITIAL_COUNTERS });
    expect((await leases.claimDue("two", 1000, 10, 10_000)).map((p) => p.agentId)).toEqual(["c"]);
    expect(await leases.claimDue("two", 1000, 10, 10_000)).toEqual([]);
  });

  it("an instance that dies mid-probe hands its probes over when the lease expires", async () => {
    const { leases } = await setup();
    await leases.upsert("a", http("http://a.test/"), 0);
    const [dead] = await leases.claimDue("dead", 1000, 10, 10_000);
    expect(await leases.claimDue("alive", 10_999, 10, 10_000)).toEqual([]);
    const [taken] = await leases.claimDue("alive", 11_000, 10, 10_000);
    expect(taken).toMatchObject({ agentId: "a", leaseOwner: "alive", leaseUntil: 21_000 });
    // The dead instance's late result is fenced off; the new holder's counts.
    const write = { agentId: "a", previous: [], result: result(11_500), counters: { ...INITIAL_COUNTERS, state: "passing" as const, lastOkAt: 11_500 }, transition: null, nextDueAt: 41_000 };
    expect(await leases.recordResult({ ...write, owner: "dead", leaseUntil: dead.leaseUntil })).toBe(false);
    expect((await leases.get("a"))?.counters.state).toBe("unknown");
    expect(await leases.recordResult({ ...write, owner: "alive", leaseUntil: taken.leaseUntil })).toBe(true);
  });

  it("a result advances due_at, releases the lease and is stored once; the recent results stay bounded", async () => {
    const { leases } = await setup();
    await leases.upsert("a", http("http://a.test/"), 0);
    let now = 1000;
    for (let i = 0; i < PROBE_RESULTS_KEPT + 5; i++) {
      const [claim] = await leases.claimDue("one", now, 10, 10_000);
      expect(claim?.agentId).toBe("a");
      const input = { agentId: "a", owner: "one", leaseUntil: claim.leaseUntil, previous: claim.recent, result: result(now, i % 2 === 0), counters: { ...INITIAL_COUNTERS, consecutiveSuccesses: i }, transition: null, nextDueAt: now + 30_000 };
      expect(await leases.recordResult(input)).toBe(true);
      expect(await leases.recordResult(input)).toBe(false); // the lease went with the first
      expect(await leases.claimDue("one", now + 29_999, 10, 10_000)).toEqual([]);
      now += 30_000;
    }
    const rec = await leases.get("a");
    expect(rec).toMatchObject({ leaseOwner: null, leaseUntil: null, dueAt: now, counters: { consecutiveSuccesses: PROBE_RESULTS_KEPT + 4 } });
    expect(rec?.recent).toHaveLength(PROBE_RESULTS_KEPT);
    expect(rec?.recent.at(-1)).toEqual(result(now - 30_000, true));
    expect(rec?.recent[0].at).toBe(1000 + 5 * 30_000);
    expect(rec?.lastResult).toEqual(result(now - 30_000, true));
  });

  it("a transition waits in the row until acknowledged, and a newer one is not cleared by an older ack", async () => {
    const { leases } = await setup();
    await leases.upsert("a", http("http://a.test/"), 0);
    const down = { from: "passing" as const, to: "failing" as const, at: 1000, result: result(1000, false) };
    const [c1] = await leases.claimDue("one", 1000, 1, 10_000);
    await leases.recordResult({ agentId: "a", owner: "one", leaseUntil: c1.leaseUntil, previous: c1.recent, result: result(1000, false), counters: INITIAL_COUNTERS, transition: down, nextDueAt: 2000 });
    const [c2] = await leases.claimDue("two", 2000, 1, 10_000);
    expect(c2.pendingTransition).toEqual(down);
    const up = { from: "failing" as const, to: "passing" as const, at: 2000, result: result(2000) };
    await leases.recordResult({ agentId: "a", owner: "two", leaseUntil: c2.leaseUntil, previous: c2.recent, result: result(2000), counters: INITIAL_COUNTERS, transition: up, nextDueAt: 3000 });
    await leases.ackTransition("a", down);
    expect((await leases.get("a"))?.pendingTransition).toEqual(up);
    await leases.ackTransition("a", up);
    expect((await leases.get("a"))?.pendingTransition).toBeNull();
  });

  it("changing the target starts over from unknown and voids a lease; changing settings keeps the state", async () => {
    const { leases } = await setup();
    await leases.upsert("a", http("http://a.test/"), 0);
    const [c] = await leases.claimDue("one", 1000, 1, 10_000);
    const passing = { ...INITIAL_COUNTERS, state: "passing" as const, consecutiveSuccesses: 1, lastOkAt: 1000 };
    await leases.recordResult({ agentId: "a", owner: "one", leaseUntil: c.leaseUntil, previous: c.recent, result: result(1000), counters: passing, transition: null, nextDueAt: 31_000 });
    await leases.upsert("a", { ...http("http://a.test/"), failures: 5 }, 2000);
    expect(await leases.get("a")).toMatchObject({ counters: passing, dueAt: 2000, config: { failures: 5 } });
    const [c2] = await leases.claimDue("one", 2000, 1, 10_000);
    await leases.upsert("a", http("http://elsewhere.test/"), 3000);
    expect(await leases.get("a")).toMatchObject({ counters: INITIAL_COUNTERS, recent: [], leaseOwner: null });
    expect(await leases.recordResult({ agentId: "a", owner: "one", leaseUntil: c2.leaseUntil, previous: c2.recent, result: result(2500), counters: passing, transition: null, nextDueAt: 9 })).toBe(false);
    await leases.remove("a");
    expect(await leases.get("a")).toBeNull();
  });

  it("releaseAll gives an instance's leases back at once (shutdown)", async () => {
    const { leases } = await setup();
    for (const id of ["a", "b"]) await leases.upsert(id, http(`http://${id}.test/`), 0);
    await leases.claimDue("one", 1000, 10, 60_000);
    expect(await leases.releaseAll("one")).toBe(2);
    expect((await leases.claimDue("two", 1001, 10, 60_000)).map((p) => p.agentId)).toEqual(["a", "b"]);
  });

  it("two instances claiming at once never take the same probe", async () => {
    const [one, two] = [await setup(), await fixture.instance()];
    for (let i = 0; i < 200; i++) await one.leases.upsert(`agent-${i}`, http(`http://h${i % 7}.test/`), i);
    const claimedBy = new Map<string, string>();
    const drain = async (owner: string, leases: ProbeLeases) => {
      for (;;) {
        const batch = await leases.claimDue(owner, 10_000, 7, 60_000);
        if (batch.length === 0) return;
        for (const p of batch) {
          expect(claimedBy.get(p.agentId), `${p.agentId} claimed twice`).toBeUndefined();
          claimedBy.set(p.agentId, owner);
        }
      }
    };
    await Promise.all([drain("one", one.leases), drain("two", two.leases), drain("one-b", one.leases), drain("two-b", two.leases)]);
    expect(claimedBy.size).toBe(200);
    const rows = await one.db.selectFrom("probes").select(["agent_id", "lease_owner"]).execute();
    for (const r of rows) expect(r.lease_owner).toBe(claimedBy.get(r.agent_id));
  });
});
