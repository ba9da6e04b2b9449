/**
 * What only the PostgreSQL store does, against the real server: wake-ups by
 * LISTEN/NOTIFY across stores (instances), a LISTEN connection that comes back
 * by itself after being killed or after the database was unreachable, and
 * failures answered fast as `store_unavailable` instead of hanging.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../../test/helpers.js";
import { PG_URL, createSchema, sql, urlWithSchema, type TestSchema } from "../../../test/scale/pg.js";
import { TcpProxy } from "../../../test/scale/tcp-proxy.js";
import { AppError } from "../errors.js";
import { agent, ev } from "./contract-fixtures.js";
import { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
import type { Store } from "./store.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function schema(): Promise<TestSchema> {
  const s = await createSchema();
  cleanups.push(() => s.drop());
  return s;
}

async function open(url: string, options: Partial<PostgresStoreOptions> = {}): Promise<Store> {
  const store = await openPostgresStore(url, { poolSize: 3, ...options });
  cleanups.push(() => store.close());
  await store.migrate();
  return store;
}

/** A store's watcher: counts wake-ups and listener states. */
async function watcher(store: Store) {
  const w = { wakes: 0 };
  await store.watch!(() => w.wakes++);
  return w;
}

const listenBackends = (schemaName: string) =>
  sql<{ pid: number; state: string }>("select pid, state from pg_stat_activity where query = $1", [`LISTEN "agentmesh_events:${schemaName}"`]);

const unavailable = (err: unknown) => err instanceof AppError && err.code === "store_unavailable";

describe("postgres store: LISTEN/NOTIFY", () => {
  it("a commit through one store wakes the watchers of every store on the schema", async () => {
    const s = await schema();
    const [a, b, c] = [await open(s.url), await open(s.url), await open(s.url)];
    const [wb, wc] = [await watcher(b), await watcher(c)];
    const before = [wb.wakes, wc.wakes];
    await a.commit({ mutation: { op: "insert", row: agent("x") }, events: [ev("agent_registered", "x")] });
    await waitFor(() => wb.wakes > before[0] && wc.wakes > before[1], "both watchers to be woken");
    const touched = [wb.wakes, wc.wakes];
    await c.commit({ mutation: { op: "insert", row: agent("y") }, events: [ev("agent_registered", "y")] });
    await waitFor(() => wb.wakes > touched[0] && wc.wakes > touched[1], "both watchers to be woken again");
  });

  it("the LISTEN connection comes back after pg_terminate_backend, wakes once back, and is woken again", async () => {
    const s = await schema();
    const states: string[] = [];
    const writer = await open(s.url);
    const reader = await open(s.url, { onListenerState: (state) => states.push(state) });
    const w = await watcher(reader);
    const [old] = await waitFor(async () => {
      const rows = await listenBackends(s.schema);
      return rows.length === 1 && rows;
    }, "the LISTEN backend");
    const wakesBefore = w.wakes;
    await sql("select pg_terminate_backend($1)", [old.pid]);
    // Written while nobody listens: the wake after reconnecting is what delivers it.
    await writer.commit({ mutation: { op: "insert", row: agent("during") }, events: [ev("agent_registered", "during")] });
    await waitFor(() => states.filter((x) => x === "connected").length >= 2, "the listener to reconnect");
    expect(states).toContain("lost");
    expect(w.wakes).toBeGreaterThan(wakesBefore);
    const [fresh] = await listenBackends(s.schema);
    expect(fresh.pid).not.toBe(old.pid);
    const afterReconnect = w.wakes;
    await writer.commit({ mutation: { op: "insert", row: agent("after") }, events: [ev("agent_registered", "after")] });
    await waitFor(() => w.wakes > afterReconnect, "a NOTIFY on the new connection");
  });
});

describe("postgres store: failures", () => {
  it("while the database is unreachable every call fails fast with store_unavailable; everything recovers when it is back", async () => {
    const s = await schema();
    const proxy = new TcpProxy(Number(new URL(PG_URL).port || 5432));
    await proxy.start();
    cleanups.push(() => proxy.cut());
    const u = new URL(PG_URL);
    u.port = String(proxy.port);
    const states: string[] = [];
    const store = await open(urlWithSchema(s.schema, u.toString()), { onListenerState: (state) => states.push(state) });
    const w = await watcher(store);
    await store.commit({ mutation: { op: "insert", row: agent("before") }, events: [ev("agent_registered", "before")] });

    await proxy.cut();
    await expect(store.ping()).rejects.toThrow();
    for (const call of [
      () => store.getAgent("before"),
      () => store.eventsAfter(0, 10),
      () => store.listAgents({ sort: "name", order: "asc", limit: 10, offset: 0 }),
      () => store.commit({ mutation: { op: "insert", row: agent("lost") }, events: [ev("agent_registered", "lost")] }),
    ]) {
      const err = await call().then(() => null, (e: unknown) => e);
      expect(unavailable(err), String(err)).toBe(true);
      // Its Retry-After comes with the code (the catalogue), not from here.
      expect((err as AppError).headers).toBeUndefined();
    }
    await waitFor(() => states.includes("lost"), "the listener to notice");
    // Nobody can wake the watcher while the listener is down; the reconnect must.
    const wakes = w.wakes;

    await proxy.restore();
    await waitFor(() => store.ping().then(() => true, () => false), "the store to answer again");
    expect((await store.getAgent("before"))?.id).toBe("before");
    expect(await store.getAgent("lost")).toBeUndefined();
    await waitFor(() => states.filter((x) => x === "connected").length >= 2, "the listener to reconnect");
    await waitFor(() => w.wakes > wakes, "the wake after reconnecting");
    const r = await store.commit({ mutation: { op: "insert", row: agent("after") }, events: [ev("agent_registered", "after")] });
    expect(r.ok && r.events[0].id).toBe(2);
  });

  it("a statement stuck behind a lock gives up at the statement timeout with store_unavailable, consuming no id", async () => {
    const s = await schema();
    const store = await open(s.url, { statementTimeoutMs: 300 });
    await store.commit({ mutation: { op: "insert", row: agent("a") }, events: [ev("agent_registered", "a")] });
    const blocker = new pg.Client({ connectionString: s.url });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query("begin");
    await blocker.query("select last_id from event_counter for update");
    const err = await store.commit({ mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b")] }).then(() => null, (e: unknown) => e);
    expect(unavailable(err), String(err)).toBe(true);
    expect((err as AppError).detail).toMatch(/did not answer in time/);
    await blocker.query("rollback");
    expect(await store.getAgent("b")).toBeUndefined();
    const r = await store.commit({ mutation: { op: "insert", row: agent("b") }, events: [ev("agent_registered", "b")] });
    expect(r.ok && r.events[0].id).toBe(2);
  });

  it("a write waiting for a free pooled connection gives up at the connect timeout", async () => {
    const s = await schema();
    const store = await open(s.url, { poolSize: 1, connectTimeoutMs: 200, statementTimeoutMs: 5000 });
    const blocker = new pg.Client({ connectionString: s.url });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query("begin");
    await blocker.query("select last_id from event_counter for update");
    // The first commit holds the only connection while it waits for the lock; the second cannot get one.
    const first = store.commit({ mutation: { op: "insert", row: agent("a") }, events: [ev("agent_registered", "a")] });
    await waitFor(
      async () => (await sql("select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [`agentmesh:pool:${process.pid}`])).length === 1,
      "the commit to wait for the lock",
    );
    const err = await store.getAgent("a").then(() => null, (e: unknown) => e);
    expect(unavailable(err), String(err)).toBe(true);
    await blocker.query("rollback");
    expect((await first).ok).toBe(true);
  });
});
