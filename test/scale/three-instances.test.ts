/**
 * Three AgentMesh processes on one PostgreSQL schema, one subscriber on each:
 * - writes through all three reach every subscriber once, in one global order;
 * - the sweepers of all three announce each offline transition exactly once;
 * - many concurrent writers: ids as readers see them are gapless and in commit
 *   order (a raw reader polls the log table itself, with no tailer to hide a
 *   transient hole);
 * - an instance whose LISTEN connection is killed by the database
 *   (`pg_terminate_backend`) opens a new one by itself and misses nothing.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card, waitFor } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "./cluster.js";
import { createSchema, sql, type TestSchema } from "./pg.js";
import { FailoverSubscriber } from "./sse.js";

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
  })().catch((err: unknown) => {
    holes.push(`the reader failed: ${String(err)}`);
  });
  return { holes, get last() { return last; }, async stop() { stop = true; await done; } };
}

const listener = (pid: number) =>
  sql<{ pid: number }>("select pid from pg_stat_activity where application_name = $1 and query like 'LISTEN %'", [`agentmesh:listen:${pid}`]);

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function registerVia(node: Instance, id: string, extra = {}): Promise<string> {
  const r = await api(node.url, "POST", "/api/v1/agents", card(id, extra));
  if (r.status !== 201) throw new Error(`register ${id} via ${node.url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.agent_token;
}

async function ok(p: Promise<{ status: number; body: unknown }>, what: string) {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

describe("three instances on one PostgreSQL", () => {
  let schema: TestSchema;
  let nodes: Instance[] = [];
  let subs: FailoverSubscriber[] = [];

  beforeAll(async () => {
    schema = await createSchema();
    // Started at once: their migrations race and must apply once.
    nodes = await startCluster(3, schema.url, { "offline-after": "1500ms", "heartbeat-interval": "500ms", "sweep-interval": "100ms" });
    subs = nodes.map((n) => new FailoverSubscriber([n.url], 0));
    await Promise.all(subs.map((s) => s.ready));
  }, 60_000);

  afterAll(async () => {
    for (const s of subs) s.close();
    await stopAll(nodes);
    await schema?.drop();
  });

  /** The log's last id, as any instance reports it. */
  const lastId = async () => (await api(nodes[0].url, "GET", "/api/v1/stats")).body.events.last_id as number;

  it("every subscriber on every instance receives every event once, in the same order", async () => {
    const agents = Array.from({ length: 24 }, (_, i) => `fan-${i}`);
    await Promise.all(
      agents.map(async (id, i) => {
        const token = await registerVia(nodes[i % 3], id, { tags: ["fan"] });
        await ok(api(nodes[(i + 1) % 3].url, "PATCH", `/api/v1/agents/${id}`, { description: `patched via ${(i + 1) % 3}` }, token), "patch");
        await ok(api(nodes[(i + 2) % 3].url, "POST", `/api/v1/agents/${id}/heartbeat`, { status: i % 2 ? "degraded" : "healthy" }, token), "heartbeat");
      }),
    );
    const last = await lastId();
    expect(last).toBeGreaterThanOrEqual(agents.length * 3);
    await waitFor(() => subs.every((s) => s.events.length >= last), `every subscriber to receive ${last} events`, 20_000);

    const history = await api(nodes[2].url, "GET", `/api/v1/events/history?after=0&limit=1000`);
    const logged = history.body.events.slice(0, last).map((e: { id: number; type: string; agent_id: string }) => `${e.id} ${e.type} ${e.agent_id}`);
    expect(logged.map((l: string) => Number(l.split(" ")[0]))).toEqual(range(last));
    for (const sub of subs) {
      // Gapless from 1, no duplicate, ascending — and the very same events as the log.
      expect(sub.ids()).toEqual(range(sub.events.length));
      expect(sub.events.slice(0, last).map((e) => `${e.id} ${e.type} ${e.agent_id}`)).toEqual(logged);
      expect(sub.resets).toEqual([]);
    }
    for (const id of agents) {
      expect(logged.filter((l: string) => l.endsWith(` ${id}`)).map((l: string) => l.split(" ")[1]).slice(0, 3)).toEqual(["agent_registered", "agent_updated", "agent_health_changed"]);
    }
  });

  it("the sweepers of all three instances announce each offline transition exactly once", async () => {
    const agents = Array.from({ length: 15 }, (_, i) => `sweep-${i}`);
    await Promise.all(
      agents.map(async (id, i) => {
        const token = await registerVia(nodes[i % 3], id);
        await ok(api(nodes[(i + 1) % 3].url, "POST", `/api/v1/agents/${id}/heartbeat`, {}, token), "heartbeat");
      }),
    );
    // Then silence: every instance's sweeper (every 100ms) sees them go stale at the same moment.
    await waitFor(async () => {
      const list = await api(nodes[1].url, "GET", "/api/v1/agents?health=offline&limit=1000");
      return agents.every((id) => list.body.agents.some((a: { id: string }) => a.id === id));
    }, "all agents offline", 20_000);
    const last = await lastId();
    await waitFor(() => subs.every((s) => s.events.length >= last), "subscribers to catch up", 20_000);
    for (const sub of [...subs, null]) {
      const events = sub ? sub.events : (await api(nodes[0].url, "GET", "/api/v1/events/history?after=0&limit=1000")).body.events;
      for (const id of agents) {
        const offline = events.filter((e: any) => e.agent_id === id && e.type === "agent_health_changed" && (sub ? e.data.status : e.status) === "offline");
        expect(offline, `offline announcements of ${id}`).toHaveLength(1);
      }
    }
    for (const sub of subs) expect(sub.ids()).toEqual(range(sub.events.length));
  });

  it("many concurrent writers: every id arrives once, in order, without a gap, on every instance", async () => {
    const reader = rawLogReader(schema.url);
    const writer = async (k: number) => {
      const id = `hammer-${k}`;
      const r = await api(nodes[k % 3].url, "POST", "/api/v1/agents", card(id));
      expect(r.status).toBe(201);
      const token = r.body.agent_token as string;
      for (let n = 0; n < 8; n++) {
        // Alternate the reported status so each heartbeat is a change (an event), through every instance in turn.
        const hb = await api(nodes[(k + n) % 3].url, "POST", `/api/v1/agents/${id}/heartbeat`, { status: n % 2 ? "healthy" : "degraded" }, token);
        expect(hb.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, k) => writer(k)));

    const [{ n, max }] = await sql<{ n: string; max: string }>(`select count(*) as n, max(id) as max from "${schema.schema}".events`);
    const last = Number(max);
    expect(Number(n)).toBe(last);
    await waitFor(() => reader.last >= last, "the raw reader to reach the end");
    await reader.stop();
    expect(reader.holes).toEqual([]);
    await waitFor(() => subs.every((s) => s.events.length >= last), `every subscriber to reach event ${last}`, 30_000);
    for (const sub of subs) {
      expect(sub.ids()).toEqual(range(sub.events.length));
      expect(sub.resets).toEqual([]);
      // Per agent, revisions never go back in id order: the log order is the commit order
      // (one commit may carry two events of the same revision: health and trust).
      const seen = new Map<string, number>();
      for (const e of sub.events) {
        const revision = (e.data.agent as { revision: number } | undefined)?.revision ?? Infinity;
        expect(revision).toBeGreaterThanOrEqual(seen.get(e.agent_id) ?? 0);
        seen.set(e.agent_id, revision);
      }
    }
  });

  it("a LISTEN connection killed by the database is re-established by itself, and events written elsewhere still arrive", async () => {
    const [writer, reader] = nodes;
    const start = await lastId();
    const sub = new FailoverSubscriber([reader.url], start);
    subs.push(sub);
    await sub.ready;
    const ours = ["listen-before", ...[0, 1, 2, 3, 4].map((i) => `listen-during-${i}`), ...[0, 1, 2, 3, 4].map((i) => `listen-after-${i}`)];
    const register = async (id: string) => expect((await api(writer.url, "POST", "/api/v1/agents", card(id))).status).toBe(201);
    const received = () => sub.events.filter((e) => ours.includes(e.agent_id)).map((e) => e.agent_id);

    await register(ours[0]);
    await waitFor(() => received().length === 1, "the first event on the other instance");
    const [old] = await waitFor(async () => {
      const rows = await listener(reader.pid);
      return rows.length === 1 && rows;
    }, "the reader's LISTEN connection");
    await sql("select pg_terminate_backend($1)", [old.pid]);
    for (const id of ours.slice(1, 6)) await register(id);

    const [fresh] = await waitFor(async () => {
      const rows = await listener(reader.pid);
      return rows.length === 1 && rows[0].pid !== old.pid && rows;
    }, "a new LISTEN connection");
    expect(fresh.pid).not.toBe(old.pid);
    for (const id of ours.slice(6)) await register(id);

    await waitFor(() => received().length === ours.length, "all eleven registrations on the reader's subscriber");
    expect(received()).toEqual(ours);
    expect(sub.ids()).toEqual(Array.from({ length: sub.events.length }, (_, i) => start + 1 + i));
  });
});
