/**
 * The store contract on a real SQLite file (WAL) in a temporary directory,
 * then what only the SQLite store does: group commit and the agent cache.
 */
import BetterSqlite3 from "better-sqlite3";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runStoreContract } from "./contract.js";
import { agent, ev, guardOf } from "./contract-fixtures.js";
import { openSqliteStore } from "./sqlite.js";
import type { Commit, Store, StoredEvent } from "./store.js";

runStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-store-"));
  const open = async () => {
    const store = await openSqliteStore(join(dir, "agentmesh.db"));
    await store.migrate();
    return store;
  };
  const store = await open();
  return {
    store,
    reopen: open,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/**
 * What only the SQLite store has: group commit (the commits of one event-loop
 * turn share one transaction, each in its own savepoint) and the write-through
 * cache of agent rows.
 */
describe("sqlite store: group commit and the agent cache", () => {
  let dir: string;
  let file: string;
  const opened: Store[] = [];
  const open = async () => {
    const s = await openSqliteStore(file);
    await s.migrate();
    opened.push(s);
    return s;
  };
  /** Another connection on the same file (what the sqlite3 tool would be). */
  const rawDb = () => {
    const db = new BetterSqlite3(file);
    raws.push(db);
    return db;
  };
  const raws: BetterSqlite3.Database[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "agentmesh-sqlite-"));
    file = join(dir, "agentmesh.db");
  });
  afterEach(async () => {
    for (const db of raws.splice(0)) db.close();
    for (const s of opened.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Committed transactions in the WAL so far: frames of the current WAL generation that end a transaction. */
  function walCommits(): number {
    const wal = readFileSync(`${file}-wal`);
    if (wal.length < 32) return 0;
    const pageSize = wal.readUInt32BE(8);
    const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
    let commits = 0;
    for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
      if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
      if (wal.readUInt32BE(off + 4) !== 0) commits++;
    }
    return commits;
  }

  /** Starts the commits in one turn, records the order in which they settle, and waits for all. */
  async function together(store: Store, changes: Commit[]) {
    const settled: number[] = [];
    const results = await Promise.allSettled(
      changes.map((c, i) =>
        store.commit(c).finally(() => {
          settled.push(i);
        }),
      ),
    );
    return { results, settled };
  }

  it("commits of one turn share one transaction; a conflict fails only its change; ids are gapless in call order; callers settle in call order", async () => {
    const store = await open();
    const a = agent("a");
    await store.commit({ mutation: { op: "insert", row: a }, events: [ev("agent_registered", "a")] }); // id 1
    const before = walCommits();
    const stale = { ...a, name: "stale", revision: 2 };
    const { results, settled } = await together(store, [
      { mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b"), ev("agent_updated", "b")] }, // 2, 3
      { mutation: { op: "touch", id: "a", lastHeartbeatAt: 50, trustRaw: 0.6, trustUpdatedAt: 50, expect: guardOf(a) }, events: [] },
      // Read before the touch above: its guard no longer matches.
      { mutation: { op: "update", row: stale, expect: guardOf(a) }, events: [ev("agent_updated", "a")], trustHistory: [{ agentId: "a", at: 1, score: 0.1, tier: "experimental", reason: "x" }] },
      { mutation: { op: "insert", row: agent("c") }, events: [ev("agent_registered", "c")] }, // 4
      { mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b")] }, // exists (inserted earlier in this batch)
      {
        mutation: { op: "update", row: { ...a, name: "fresh", revision: 2, last_heartbeat_at: 50, trust_raw: 0.6, trust_updated_at: 50 }, expect: { revision: 1, lastHeartbeatAt: 50 } },
        events: [ev("agent_updated", "a")], // 5
      },
    ]);
    expect(walCommits() - before).toBe(1);
    expect(settled).toEqual([0, 1, 2, 3, 4, 5]);
    const values = results.map((r) => (r.status === "fulfilled" ? r.value : r.reason));
    expect(values.map((v) => (v.ok ? v.events.map((e: StoredEvent) => e.id) : v.reason))).toEqual([[2, 3], [], "conflict", [4], "exists", [5]]);
    expect((await store.eventsAfter(0, 100)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(await store.getAgent("a")).toMatchObject({ name: "fresh", revision: 2, last_heartbeat_at: 50, trust_raw: 0.6 });
    expect(await store.trustHistory("a", 10)).toEqual([]);
  });

  it("a change that fails inside a batch is undone alone (its agent, history and ids), and its caller gets the error", async () => {
    const store = await open();
    const a = agent("a");
    await store.commit({ mutation: { op: "insert", row: a }, events: [ev("agent_registered", "a")] }); // 1
    expect((await store.getAgent("a"))?.name).toBe("Agent a"); // cached
    const broken = { ...ev("agent_updated", "a"), agentId: null as unknown as string };
    const { results, settled } = await together(store, [
      { mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b")] }, // 2
      // The update is written, then its second event cannot be stored: the update must go too.
      {
        mutation: { op: "update", row: { ...a, name: "never", health_status: "healthy", revision: 2 }, expect: guardOf(a) },
        events: [ev("agent_updated", "a"), broken],
        healthHistory: [{ agentId: "a", at: 1, status: "healthy", previousStatus: "unknown", message: null }],
      },
      { mutation: { op: "insert", row: agent("c") }, events: [ev("agent_registered", "c"), ev("agent_updated", "c")] }, // 3, 4
    ]);
    expect(settled).toEqual([0, 1, 2]);
    expect(results[1].status).toBe("rejected");
    expect(results.map((r) => (r.status === "fulfilled" && r.value.ok ? r.value.events.map((e) => e.id) : null))).toEqual([[2], null, [3, 4]]);
    expect(await store.getAgent("a")).toEqual(a);
    expect(await store.healthHistory("a", 10)).toEqual([]);
    expect((await store.eventsAfter(0, 100)).map((e) => e.id)).toEqual([1, 2, 3, 4]);
    // The same update, well formed, still applies on the guard the failed one had.
    const r = await store.commit({ mutation: { op: "update", row: { ...a, name: "later", revision: 2 }, expect: guardOf(a) }, events: [ev("agent_updated", "a")] });
    expect(r.ok && r.events[0].id).toBe(5);
  });

  it("when the transaction itself is lost, every caller of the batch gets the error and nothing of it stays, not even in the cache", async () => {
    const store = await open();
    const a = agent("a");
    await store.commit({ mutation: { op: "insert", row: a }, events: [ev("agent_registered", "a")] }); // 1
    // A trigger that rolls back the whole transaction when a "boom" event is stored.
    rawDb().exec(`create trigger boom after insert on events when new.agent_id = 'boom' begin select raise(rollback, 'boom'); end`);
    expect(await store.getAgent("a")).toEqual(a);
    const { results } = await together(store, [
      { mutation: { op: "update", row: { ...a, name: "lost", revision: 2 }, expect: guardOf(a) }, events: [ev("agent_updated", "a")] },
      { mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b")] },
      { mutation: { op: "insert", row: agent("boom") }, events: [ev("agent_registered", "boom")] },
      { mutation: { op: "insert", row: agent("c") }, events: [ev("agent_registered", "c")] },
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected", "rejected"]);
    expect(results.every((r) => r.status === "rejected" && /boom/.test(String(r.reason)))).toBe(true);
    expect(await store.getAgent("a")).toEqual(a);
    expect(await store.getAgent("b")).toBeUndefined();
    expect(await store.eventBounds()).toEqual({ oldest: 1, last: 1 });
    const r = await store.commit({ mutation: { op: "update", row: { ...a, name: "kept", revision: 2 }, expect: guardOf(a) }, events: [ev("agent_updated", "a")] });
    expect(r.ok && r.events[0].id).toBe(2);
  });

  it("when COMMIT fails, every caller of the batch gets the error and nothing of it stays", async () => {
    const store = await open();
    const a = agent("a");
    await store.commit({ mutation: { op: "insert", row: a }, events: [] });
    // A deferred foreign key is checked at COMMIT: an event of agent "orphan" makes COMMIT fail.
    rawDb().exec(`
      create table parents (id text primary key);
      create table children (parent_id text references parents (id) deferrable initially deferred);
      create trigger orphan after insert on events when new.agent_id = 'orphan' begin insert into children values ('missing'); end`);
    // Foreign keys are enforced per connection; this reaches into the store's own.
    (store as unknown as { raw: BetterSqlite3.Database }).raw.pragma("foreign_keys = on");
    expect(await store.getAgent("a")).toEqual(a);
    const { results } = await together(store, [
      { mutation: { op: "update", row: { ...a, name: "lost", revision: 2 }, expect: guardOf(a) }, events: [ev("agent_updated", "a")] },
      { mutation: { op: "insert", row: agent("orphan") }, events: [ev("agent_registered", "orphan")] },
    ]);
    expect(results.map((r) => r.status === "rejected" && /FOREIGN KEY/i.test(String(r.reason)))).toEqual([true, true]);
    expect(await store.getAgent("a")).toEqual(a);
    expect(await store.getAgent("orphan")).toBeUndefined();
    expect(await store.eventBounds()).toEqual({ oldest: null, last: 0 });
  });

  it("the cache never serves a stale row: after an update, a conflict, a deregistration and a re-registration", async () => {
    const store = await open();
    const a = agent("a", { tags: ["x"] });
    await store.commit({ mutation: { op: "insert", row: a }, events: [] });
    expect(await store.getAgent("a")).toEqual(a);
    const a2 = { ...a, name: "Two", health_status: "healthy" as const, revision: 2, updated_at: a.updated_at + 1 };
    expect((await store.commit({ mutation: { op: "update", row: a2, expect: guardOf(a) }, events: [] })).ok).toBe(true);
    expect(await store.getAgent("a")).toEqual(a2);
    // An update computed from the old row conflicts and changes nothing.
    expect(await store.commit({ mutation: { op: "update", row: { ...a, name: "Old", revision: 2 }, expect: guardOf(a) }, events: [] })).toEqual({ ok: false, reason: "conflict" });
    expect(await store.getAgent("a")).toEqual(a2);
    expect((await store.commit({ mutation: { op: "touch", id: "a", lastHeartbeatAt: 9, trustRaw: 0.7, trustUpdatedAt: 9, expect: guardOf(a2) }, events: [] })).ok).toBe(true);
    const a3 = { ...a2, last_heartbeat_at: 9, trust_raw: 0.7, trust_updated_at: 9 };
    expect(await store.getAgent("a")).toEqual(a3);
    expect((await store.commit({ mutation: { op: "delete", id: "a", expect: guardOf(a3) }, events: [] })).ok).toBe(true);
    expect(await store.getAgent("a")).toBeUndefined();
    const again = agent("a", { name: "Reborn", tags: [] });
    expect((await store.commit({ mutation: { op: "insert", row: again }, events: [] })).ok).toBe(true);
    expect(await store.getAgent("a")).toEqual(again);
    // Delete and re-insert within one batch.
    await together(store, [
      { mutation: { op: "delete", id: "a", expect: guardOf(again) }, events: [] },
      { mutation: { op: "insert", row: agent("a", { name: "Third" }) }, events: [] },
    ]);
    expect((await store.getAgent("a"))?.name).toBe("Third");
    // What the cache answers is what the file holds.
    const other = await open();
    expect(await other.getAgent("a")).toEqual(await store.getAgent("a"));
  });

  it("a row read from the store is the caller's own: mutating it changes nothing stored", async () => {
    const store = await open();
    const a = agent("a", { tags: ["x"], metadata: { k: { n: 1 } } });
    await store.commit({ mutation: { op: "insert", row: a }, events: [] });
    const got = (await store.getAgent("a"))!;
    got.name = "mutated";
    got.tags.push("y");
    got.skills[0].name = "other";
    (got.metadata as { k: { n: number } }).k.n = 2;
    expect(await store.getAgent("a")).toEqual(a);
  });

  it("writes by another connection on the same file are seen by later reads and by every commit, and an update still writes the whole row it was computed for", async () => {
    const mine = await open();
    const theirs = await open();
    const a = agent("a", { last_heartbeat_at: 10 });
    await mine.commit({ mutation: { op: "insert", row: a }, events: [] });
    expect(await mine.getAgent("a")).toEqual(a); // cached
    // The other store changes the name (a new revision): seen by the next read.
    const b = { ...a, name: "Theirs", revision: 2 };
    expect((await theirs.commit({ mutation: { op: "update", row: b, expect: guardOf(a) }, events: [] })).ok).toBe(true);
    expect(await mine.getAgent("a")).toEqual(b);
    // A stale guard conflicts.
    expect(await mine.commit({ mutation: { op: "update", row: { ...a, name: "Mine", revision: 2 }, expect: guardOf(a) }, events: [] })).toEqual({ ok: false, reason: "conflict" });
    // A touch keeps the guard (revision, last heartbeat) but moves trust_raw: an update from a row read
    // before it still matches the guard, and must then write every column it carries, trust_raw included.
    expect(await mine.getAgent("a")).toEqual(b);
    expect((await theirs.commit({ mutation: { op: "touch", id: "a", lastHeartbeatAt: 10, trustRaw: 0.9, trustUpdatedAt: 11, expect: guardOf(b) }, events: [] })).ok).toBe(true);
    const c = { ...b, name: "Mine", revision: 3 };
    expect((await mine.commit({ mutation: { op: "update", row: c, expect: guardOf(b) }, events: [] })).ok).toBe(true);
    expect(await theirs.getAgent("a")).toEqual(c);
    expect(await mine.getAgent("a")).toEqual(c);
    // And a raw write (the sqlite3 tool) is seen too: by the reads of the next turn of the event loop
    // (reads look for other writers once per turn), and by any commit at once.
    rawDb().prepare("update agents set health_message = 'by hand' where id = 'a'").run();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await mine.getAgent("a"))?.health_message).toBe("by hand");
    const byHand = (await mine.getAgent("a"))!;
    // A raw write that keeps the guard, then in the same turn a commit computed from the row read before it.
    rawDb().prepare("update agents set health_message = 'again' where id = 'a'").run();
    const d = { ...byHand, name: "D", revision: 4 };
    expect((await mine.commit({ mutation: { op: "update", row: d, expect: guardOf(byHand) }, events: [] })).ok).toBe(true);
    expect(await theirs.getAgent("a")).toEqual(d);
  });

  it("an update writes only the columns that changed", async () => {
    const store = await open();
    const a = agent("a");
    await store.commit({ mutation: { op: "insert", row: a }, events: [] });
    // A trigger per column records which columns an UPDATE statement names.
    const db = rawDb();
    db.exec("create table touched (col text)");
    for (const col of ["name", "health_status", "trust_score", "created_at", "updated_at", "token_hash", "last_heartbeat_at"]) {
      db.exec(`create trigger t_${col} after update of ${col} on agents begin insert into touched values ('${col}'); end`);
    }
    // Read after that schema change by another connection (which drops the cache): the stored row is known again.
    expect(await store.getAgent("a")).toEqual(a);
    const next = { ...a, health_status: "healthy" as const, last_heartbeat_at: 5, revision: 2, updated_at: a.updated_at + 5 };
    expect((await store.commit({ mutation: { op: "update", row: next, expect: guardOf(a) }, events: [] })).ok).toBe(true);
    expect((db.prepare("select col from touched order by col").all() as { col: string }[]).map((r) => r.col)).toEqual(["health_status", "last_heartbeat_at", "updated_at"]);
    expect(await store.getAgent("a")).toEqual(next);
  });

  it("close runs the commits already made before it closes the file", async () => {
    const store = await open();
    const pending = store.commit({ mutation: { op: "insert", row: agent("late") }, events: [ev("agent_registered", "late")] });
    await store.close();
    expect(await pending).toMatchObject({ ok: true, events: [{ id: 1 }] });
    await expect(store.commit({ mutation: { op: "insert", row: agent("after") }, events: [] })).rejects.toThrow(/closed/);
    const again = await open();
    expect((await again.getAgent("late"))?.id).toBe("late");
  });
});
