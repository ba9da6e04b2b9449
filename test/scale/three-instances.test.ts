/**
 * Three AgentMesh processes on one PostgreSQL schema. Writes go through all
 * three; a subscriber on each instance must receive every event once, in the
 * same global id order, and the sweepers of all three must announce each
 * offline transition exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card, waitFor } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "./cluster.js";
import { createSchema, type TestSchema } from "./pg.js";
import { FailoverSubscriber } from "./sse.js";

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
});
