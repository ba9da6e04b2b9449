/**
 * Concurrent writers on three instances: ids as readers see them are gapless
 * and in commit order. A raw reader polls the log table directly (no tailer
 * to hide a transient hole) and every subscriber checks its stream: the next
 * id is always exactly the previous one plus one.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card, waitFor } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "./cluster.js";
import { createSchema, sql, type TestSchema } from "./pg.js";

/** Reads the log table in a tight loop and records every time a page does not continue exactly where the last one ended. */
function rawLogReader(url: string) {
  const holes: string[] = [];
  let last = 0;
  let stop = false;
  const client = new pg.Client({ connectionString: url });
  const done = (async () => {
    await client.connect();
    try {
      while (!stop) {
        const { rows } = await client.query<{ id: string }>("select id from events where id > $1 order by id limit 1000", [last]);
        for (const { id } of rows) {
          if (Number(id) !== last + 1) holes.push(`saw ${id} right after ${last}`);
          last = Number(id);
        }
      }
    } finally {
      await client.end();
    }
  })();
  return { holes, get last() { return last; }, async stop() { stop = true; await done; } };
}
import { FailoverSubscriber } from "./sse.js";

describe("many writers on three instances", () => {
  let schema: TestSchema;
  let nodes: Instance[] = [];
  let subs: FailoverSubscriber[] = [];

  beforeAll(async () => {
    schema = await createSchema();
    nodes = await startCluster(3, schema.url, { "db-pool-size": "6" });
  }, 60_000);

  afterAll(async () => {
    for (const s of subs) s.close();
    await stopAll(nodes);
    await schema?.drop();
  });

  it("every id arrives once, in order, without a gap, on every instance", async () => {
    subs = nodes.map((n) => new FailoverSubscriber([n.url], 0));
    await Promise.all(subs.map((s) => s.ready));
    const reader = rawLogReader(schema.url);
    const writer = async (k: number) => {
      const node = nodes[k % 3];
      const id = `hammer-${k}`;
      const r = await api(node.url, "POST", "/api/v1/agents", card(id));
      expect(r.status).toBe(201);
      const token = r.body.agent_token as string;
      for (let n = 0; n < 8; n++) {
        // Alternate the reported status so each heartbeat is a change (and an event), through every instance in turn.
        const via = nodes[(k + n) % 3];
        const status = n % 2 ? "healthy" : "degraded";
        const hb = await api(via.url, "POST", `/api/v1/agents/${id}/heartbeat`, { status }, token);
        expect(hb.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, k) => writer(k)));

    const [{ n, max }] = await sql<{ n: string; max: string }>(`select count(*) as n, max(id) as max from "${schema.schema}".events`);
    const last = Number(max);
    expect(Number(n)).toBe(last);
    expect(last).toBeGreaterThanOrEqual(30 * 9);
    await waitFor(() => reader.last >= last, "the raw reader to reach the end");
    await reader.stop();
    expect(reader.holes).toEqual([]);
    await waitFor(() => subs.every((s) => s.events.length >= last), `every subscriber to reach event ${last}`, 30_000);
    const expected = Array.from({ length: last }, (_, i) => i + 1);
    for (const sub of subs) {
      expect(sub.ids()).toEqual(expected);
      expect(sub.resets).toEqual([]);
    }
    // Per agent, revisions never go back in id order: the log order is the commit order
    // (one commit may carry two events of the same revision: health and trust).
    for (const sub of subs) {
      const seen = new Map<string, number>();
      for (const e of sub.events) {
        const revision = (e.data.agent as { revision: number }).revision;
        expect(revision).toBeGreaterThanOrEqual(seen.get(e.agent_id) ?? 0);
        seen.set(e.agent_id, revision);
      }
    }
  });
});
