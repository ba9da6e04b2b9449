/**
 * The hub's CPU per delivery for standing queries against plain streams, in
 * one process and without sockets (the sinks count bytes): 1,000 streams, as
 * plain streams or over 100 distinct selectors that all match the agent (so
 * both deliver the same frames, and the selector streams add exactly the
 * classification and the `match` variants), and, third, 100 random selectors
 * (test/selector-cases.ts) of which only some match. Each event is its own
 * flush, as at 100 events/s. Modes alternate; the medians of the rounds are
 * printed. Socket writes, which dominate real fan-out and are the same for
 * both, are left out here: bench/fanout.mjs --selectors 100 measures them.
 *
 *   npx tsx bench/standing.ts [events per round, default 1000] [rounds, default 5]
 */
import { createRandom } from "../src/cli/sim/random.js";
import { Hub, type Sink } from "../src/server/events/hub.js";
import { priorOf } from "../src/server/events/prior.js";
import type { Selector } from "../src/shared/selector.js";
import { parseSelector } from "../src/shared/selector.js";
import { randomAgent, randomSelector } from "../test/selector-cases.js";

const EVENTS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 5);
const STREAMS = 1000;
const SELECTORS = 100;

const agent = {
  id: "bench-1",
  name: "Bench",
  version: "1.0.0",
  description: "benchmark target",
  endpoint: "http://127.0.0.1:9/bench",
  protocol: "http",
  skills: [{ name: "echo", description: "echoes" }],
  tags: ["bench"],
  provider: null,
  metadata: null as unknown,
  health_status: "healthy",
  last_heartbeat_at: null,
  trust_score: 0.5,
  trust_tier: "reliable",
  revision: 1,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

/** The fan-out bench's selectors (bench/fanout.mjs streamQueries): distinct, all matching the agent. */
function matchingSelectors(): Selector[] {
  const shapes = [(t: string) => `min_trust=${t}`, (t: string) => `tag=bench&min_trust=${t}`, (t: string) => `skill=echo&protocol=http&min_trust=${t}`, (t: string) => `q=bench&tier=reliable&min_trust=${t}`];
  return Array.from({ length: SELECTORS }, (_, i) => {
    const parsed = parseSelector(shapes[i % shapes.length]((i / (10 * SELECTORS)).toFixed(4)));
    if (!parsed.ok) throw new Error("bad selector");
    return parsed.selector;
  });
}

function randomSelectors(): Selector[] {
  const rng = createRandom("bench-standing");
  const agents = Array.from({ length: 200 }, (_, n) => randomAgent(rng, n));
  return Array.from({ length: SELECTORS }, () => randomSelector(rng, [...agents, agent as never]));
}

const sink = (): Sink & { bytes: number } => ({
  client: "bench",
  bytes: 0,
  write(b: Buffer) {
    this.bytes += b.length;
    return 0;
  },
  buffered: () => 0,
  drained: () => Promise.resolve(),
  end() {},
  destroy() {},
});

const tick = () => new Promise((r) => setImmediate(r));

async function round(selectors: Selector[] | null, firstId: number): Promise<{ cpuMicros: number; delivered: number }> {
  const hub = new Hub({ store: { eventsAfter: async () => [], eventBounds: async () => ({ oldest: null, last: 0 }) }, keepaliveMs: 3_600_000, maxBufferedBytes: 1 << 30 });
  hub.startAt(firstId - 1);
  for (let i = 0; i < STREAMS; i++) hub.subscribe(sink(), {}, undefined, selectors ? selectors[i % selectors.length] : undefined);
  const events = Array.from({ length: EVENTS }, (_, i) => {
    const after = { ...agent, metadata: { seq: i, t: 1_700_000_000_000 + i }, health_status: i % 50 === 0 ? "degraded" : "healthy", revision: i + 2 };
    const before = { ...after, health_status: i % 50 === 1 ? "degraded" : "healthy" };
    const payload = JSON.stringify({ type: "agent_updated", agent_id: agent.id, timestamp: agent.updated_at, changed: ["metadata"], agent: after });
    return { id: firstId + i, type: "agent_updated" as const, agentId: agent.id, at: 0, payload, prior: JSON.stringify(priorOf(before as never, after as never)) };
  });
  await tick();
  const start = process.cpuUsage();
  for (const e of events) {
    hub.publish([e]);
    await tick();
    await tick();
  }
  const used = process.cpuUsage(start);
  await hub.shutdown(0, 1000);
  return { cpuMicros: used.user + used.system, delivered: hub.metrics.delivered };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const modes: [string, Selector[] | null][] = [
  ["plain", null],
  ["100 matching selectors", matchingSelectors()],
  ["100 random selectors", randomSelectors()],
];
const results = new Map<string, { perDelivery: number[]; delivered: number }>(modes.map(([m]) => [m, { perDelivery: [], delivered: 0 }]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, selectors] of modes) {
    const { cpuMicros, delivered } = await round(selectors, 1 + r * EVENTS);
    const entry = results.get(name)!;
    entry.perDelivery.push(cpuMicros / delivered);
    entry.delivered = delivered;
  }
}
const plain = median(results.get("plain")!.perDelivery);
console.log(`${STREAMS} streams, ${EVENTS} events a round, one flush per event, medians of ${ROUNDS} rounds (load average ${(await import("node:os")).loadavg()[0].toFixed(1)})`);
for (const [name, { perDelivery, delivered }] of results) {
  const m = median(perDelivery);
  console.log(`${name.padEnd(24)} ${m.toFixed(2).padStart(7)} µs CPU per delivery  (${(m / plain).toFixed(2)}× plain; ${delivered} deliveries a round; rounds ${perDelivery.map((x) => x.toFixed(2)).join(", ")})`);
}
