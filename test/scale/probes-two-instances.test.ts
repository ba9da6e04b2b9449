/**
 * Two instances of the server on one real PostgreSQL, both running their probe
 * runners over the same 200 probed agents (on a manual clock, both stepped at
 * once): every agent is probed once a round by one instance or the other, and
 * when the target goes down each agent's transition to unhealthy is committed
 * and announced exactly once, then its recovery exactly once — in the log and
 * on a stream from either instance.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server/start.js";
import { listen, PUBLIC_ADDRESS, startRegistry, type Registry } from "../a2a/card-server.js";
import { ADMIN, api, card } from "../helpers.js";

const AGENTS = 200;
const INTERVAL = 10_000;

let status = 200;
/** Probes each agent's path received. */
const probes = new Map<string, number>();
function serve(req: IncomingMessage, res: ServerResponse) {
  probes.set(req.url!, (probes.get(req.url!) ?? 0) + 1);
  res.writeHead(status).end();
}
const counts = () => Array.from({ length: AGENTS }, (_, i) => probes.get(`/healthz/probed-${i}`) ?? 0);

let site: Awaited<ReturnType<typeof listen>>;
let a: Registry;
let b: RunningServer;

beforeAll(async () => {
  site = await listen(serve);
  a = await startRegistry("postgres");
  b = await a.sibling();
  const probe = (id: string) => ({ kind: "http", url: `http://${PUBLIC_ADDRESS}:${site.port}/healthz/${id}`, interval_ms: INTERVAL, timeout_ms: 2000, failures: 2, successes: 2 });
  for (let i = 0; i < AGENTS; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const id = `probed-${i + k}`;
        const res = await api(a.url, "POST", "/api/v1/agents", { ...card(id), probe: probe(id) }, ADMIN);
        expect(res.status).toBe(201);
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await a?.destroy();
  await site?.close();
});

/** One interval later, both instances claim and run what is due, at once. */
async function round() {
  a.clock.advance(INTERVAL);
  await Promise.all([a.app.probeRunner.runDue(), b.app.probeRunner.runDue()]);
}

async function healthEvents(): Promise<{ agent_id: string; status: string; source: string }[]> {
  const events: { agent_id: string; status: string; source: string }[] = [];
  let after = 0;
  for (;;) {
    const page = (await api(b.url, "GET", `/api/v1/events/history?types=agent_health_changed&after=${after}&limit=1000`)).body;
    events.push(...page.events);
    if (page.events.length < 1000) return events;
    after = page.events.at(-1).id;
  }
}

describe("two instances probing one fleet on PostgreSQL", () => {
  it("probe each agent once a round between them, and announce each transition exactly once", { timeout: 120_000 }, async () => {
    await round(); // the first probe of each (due within 5 s of registration): unknown → passing, healthy
    expect(counts()).toEqual(new Array(AGENTS).fill(1));
    const upEvents = await healthEvents();
    expect(upEvents).toHaveLength(AGENTS);
    expect(new Set(upEvents.map((e) => e.agent_id)).size).toBe(AGENTS);

    // Five rounds of a failing target. Each probe is due one interval after the last (the test's schedule has no
    // jitter), so each agent is probed 5 times; an agent probed by both instances would be probed twice as often.
    status = 503;
    const before = counts();
    for (let i = 0; i < 5; i++) await round();
    const during = counts().map((n, i) => n - before[i]);
    expect(during).toEqual(new Array(AGENTS).fill(5));
    const down = (await healthEvents()).filter((e) => e.status === "unhealthy");
    expect(down).toHaveLength(AGENTS);
    expect(new Set(down.map((e) => e.agent_id)).size).toBe(AGENTS);
    expect(down.every((e) => e.source === "probe")).toBe(true);

    status = 200;
    for (let i = 0; i < 5; i++) await round();
    const events = await healthEvents();
    const back = events.filter((e) => e.status === "healthy");
    expect(back).toHaveLength(2 * AGENTS); // registration's first pass, and the recovery
    expect(events).toHaveLength(3 * AGENTS);
    const list = (await api(a.url, "GET", "/api/v1/agents?limit=1000&health=healthy")).body;
    expect(list.total).toBe(AGENTS);
  });
});
