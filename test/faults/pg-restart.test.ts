/**
 * Issue 12 §1, part two: the database server itself stops (a crash,
 * `pg_ctl stop -m immediate`) and starts again under two instances with
 * writers, list readers and streams, on a private PostgreSQL cluster (the
 * shared one is never stopped). While it is down both instances answer
 * writes and reads with 503 `store_unavailable` + `Retry-After`, `/readyz`
 * 503 and `/healthz` 200; each logs the outage once. Then they resume by
 * themselves: writes work, the LISTEN connections are back, every stream has
 * every event once, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, waitFor, card } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "../scale/cluster.js";
import { sql } from "../scale/pg.js";
import { PrivatePostgres } from "../scale/private-pg.js";
import { logLines, OUTAGE_END, OUTAGE_START, startLoad, type Load } from "./load.js";

describe("a PostgreSQL server stopped and started under two instances", () => {
  let db: PrivatePostgres;
  let nodes: Instance[] = [];
  let load: Load | undefined;
  const exits: string[] = [];

  beforeAll(async () => {
    db = await PrivatePostgres.create();
    nodes = await startCluster(2, db.url);
    for (const node of nodes) void node.exited.then((code) => exits.push(`instance ${node.pid} exited (${code})`));
  }, 90_000);

  afterAll(async () => {
    for (const s of load?.subscribers ?? []) s.close();
    await stopAll(nodes);
    db?.destroy();
  });

  it("answers 503 with Retry-After while down, logs the outage once, and resumes by itself without a gap", async () => {
    load = startLoad(nodes, { prefix: "r", writers: 3, readers: 2, streams: 20 });
    await Promise.all(load.subscribers.map((s) => s.ready));
    await waitFor(() => load!.registered.length >= 20, "writes before the crash", 20_000);
    const someone = load.registered[0];

    db.stop("immediate");
    for (const node of nodes) {
      const ready = await waitFor(async () => {
        const r = await api(node.url, "GET", "/readyz");
        return r.status !== 200 && r;
      }, "/readyz to say not ready");
      expect([ready.status, ready.body.code, ready.headers.get("retry-after")]).toEqual([503, "store_unavailable", "1"]);
      expect((await api(node.url, "GET", "/healthz")).status).toBe(200);
      for (const [method, path, body] of [
        ["POST", "/api/v1/agents", card(`down-${node.pid}`)],
        ["GET", "/api/v1/agents", undefined],
        ["GET", `/api/v1/agents/${someone}`, undefined],
        ["GET", "/api/v1/events/history?after=0", undefined],
      ] as const) {
        const r = await api(node.url, method, path, body);
        expect([method, path, r.status, r.body.code, r.headers.get("retry-after")]).toEqual([method, path, 503, "store_unavailable", "1"]);
      }
    }
    const failuresWhileDown = load.failures.length;
    await waitFor(() => load!.failures.length >= failuresWhileDown + 20, "the load to keep failing for a while");

    const beforeRestart = load.registered.length;
    db.start();
    for (const node of nodes) await waitFor(async () => (await api(node.url, "GET", "/readyz")).status === 200, "ready again", 30_000);
    await waitFor(() => load!.registered.length >= beforeRestart + 20, "writes after the restart", 30_000);
    await load.stop();
    expect(exits).toEqual([]);

    for (const f of load.failures) expect(f).toEqual({ status: 503, code: "store_unavailable", retryAfter: "1" });
    const stored = new Set((await sql<{ id: string }>("select id from agents", [], db.url)).map((r) => r.id));
    expect(load.registered.filter((id) => !stored.has(id))).toEqual([]);
    expect(stored.has(`down-${nodes[0].pid}`)).toBe(false);

    // Both listen again, on connections they opened themselves.
    for (const node of nodes) {
      await waitFor(
        async () => (await sql("select 1 from pg_stat_activity where application_name = $1 and query like 'LISTEN %'", [`agentmesh:listen:${node.pid}`], db.url)).length === 1,
        `instance ${node.pid} listening again`,
      );
    }
    const last = (await api(nodes[0].url, "GET", "/api/v1/stats")).body.events.last_id as number;
    await waitFor(() => load!.subscribers.every((s) => s.events.length >= last), `every stream to reach event ${last}`, 30_000);
    const expected = Array.from({ length: last }, (_, i) => i + 1);
    for (const sub of load.subscribers) {
      expect(sub.ids()).toEqual(expected);
      expect(sub.resets).toEqual([]);
    }

    // One line when it went, one when it came back: not one per failed request.
    for (const node of nodes) {
      await waitFor(() => logLines(node, OUTAGE_END).length >= 1, `instance ${node.pid} to log the end of the outage`);
      expect(logLines(node, OUTAGE_START)).toHaveLength(1);
      expect(logLines(node, OUTAGE_END)).toHaveLength(1);
      expect(logLines(node, "unexpected error")).toEqual([]);
      expect(logLines(node, "background task failed")).toEqual([]);
    }
  }, 180_000);
});
