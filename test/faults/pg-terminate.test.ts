/**
 * Issue 12 §1, part one: every connection of two instances to PostgreSQL is
 * killed by the database (`pg_terminate_backend`: pooled, checked out in the
 * middle of a commit, and the LISTEN connection), ten times in a row, under
 * writers, list readers and 100 streams. Both processes stay up, every
 * acknowledged write is in the database, every stream has every event once
 * and in order, and the log tells each outage once instead of once per
 * request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, waitFor } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "../scale/cluster.js";
import { createSchema, sql, type TestSchema } from "../scale/pg.js";
import { logLines, OUTAGE_END, OUTAGE_START, startLoad, type Load } from "./load.js";

/** Only this test's instances' connections: their application_name ends in their pid. */
const terminate = (nodes: Instance[]) =>
  sql<{ killed: boolean }>(
    "select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = current_database() and application_name = any($1::text[])",
    [nodes.flatMap((n) => ["pool", "listen"].map((role) => `agentmesh:${role}:${n.pid}`))],
  );

describe("PostgreSQL backends terminated under load, ten times", () => {
  let schema: TestSchema;
  let nodes: Instance[] = [];
  let load: Load | undefined;
  const exits: string[] = [];

  beforeAll(async () => {
    schema = await createSchema();
    nodes = await startCluster(2, schema.url);
    for (const node of nodes) void node.exited.then((code) => exits.push(`instance ${node.pid} exited (${code})`));
  }, 60_000);

  afterAll(async () => {
    for (const s of load?.subscribers ?? []) s.close();
    await stopAll(nodes);
    await schema?.drop();
  });

  it("both instances stay up, lose no acknowledged write, and every stream stays gapless", async () => {
    load = startLoad(nodes, { prefix: "t", writers: 4, readers: 2, streams: 100 });
    await Promise.all(load.subscribers.map((s) => s.ready));
    await waitFor(() => load!.registered.length >= 10, "writes before the first sweep", 20_000);

    let killed = 0;
    for (let round = 0; round < 10; round++) {
      killed += (await terminate(nodes)).filter((r) => r.killed).length;
      const before = load.registered.length;
      // Progress after every sweep: the instances came back by themselves.
      await waitFor(() => exits.length > 0 || load!.registered.length >= before + 5, `writes after sweep ${round + 1}`, 20_000);
      expect(exits).toEqual([]);
    }
    expect(killed).toBeGreaterThanOrEqual(20);
    await load.stop();
    expect(exits).toEqual([]);
    expect(load.reads).toBeGreaterThan(0);

    // Whatever failed was told to come back, never a 500.
    for (const f of load.failures) expect(f).toEqual({ status: 503, code: "store_unavailable", retryAfter: "1" });

    const stored = new Map((await sql<{ id: string; last_heartbeat_at: string | null }>(`select id, last_heartbeat_at from "${schema.schema}".agents`)).map((r) => [r.id, r]));
    expect(load.registered.filter((id) => !stored.has(id))).toEqual([]);
    expect(load.heartbeated.filter((id) => stored.get(id)?.last_heartbeat_at == null)).toEqual([]);

    const last = (await api(nodes[0].url, "GET", "/api/v1/stats")).body.events.last_id as number;
    await waitFor(() => load!.subscribers.every((s) => s.events.length >= last), `all 100 streams to reach event ${last}`, 30_000);
    const expected = Array.from({ length: last }, (_, i) => i + 1);
    for (const sub of load.subscribers) {
      expect(sub.ids()).toEqual(expected);
      expect(sub.resets).toEqual([]);
    }
    const streamed = new Set(load.subscribers[0].events.filter((e) => e.type === "agent_registered").map((e) => e.agent_id));
    expect(load.registered.filter((id) => !streamed.has(id))).toEqual([]);

    // The sweeps were felt (each kills the LISTEN connection, at least), and told.
    expect(nodes.map((n) => logLines(n, OUTAGE_START).length).every((n) => n >= 1)).toBe(true);
    for (const node of nodes) {
      expect(logLines(node, "unexpected error")).toEqual([]);
      expect(logLines(node, "background task failed")).toEqual([]);
      // At most one line per sweep, not one per failed request, and each outage was seen to end.
      const starts = logLines(node, OUTAGE_START);
      expect(starts.length).toBeLessThanOrEqual(10);
      await waitFor(() => logLines(node, OUTAGE_END).length === starts.length, "every outage to be logged as over");
    }
  }, 180_000);
});
