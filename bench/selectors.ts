/**
 * What a standing query costs the hub per event, without sockets: parsing an
 * event's snapshot and prior record once, then classifying it for each of
 * 100 distinct selectors (random, seeded: test/selector-cases.ts). The medians
 * of 7 rounds of 2,000 events. The hub's cost per delivery is
 * bench/standing.ts; fan-out with real streams, bench/fanout.mjs --selectors.
 *
 *   npm run bench:selectors   (this, then bench/standing.ts)
 */
import { createRandom } from "../src/cli/sim/random.js";
import { beforeOf, priorOf } from "../src/server/events/prior.js";
import { classify, subjectOf } from "../src/shared/selector.js";
import { randomAgent, randomSelector } from "../test/selector-cases.js";

const rng = createRandom("bench-selectors");
const agents = Array.from({ length: 1000 }, (_, n) => randomAgent(rng, n));
const selectors = Array.from({ length: 100 }, () => randomSelector(rng, agents));
const HEALTH = ["healthy", "degraded", "unhealthy", "offline"] as const;

/** Health events as the log would hold them: payload with the full snapshot, and the record beside it. */
const events = Array.from({ length: 2000 }, () => {
  const before = rng.pick(agents);
  const after = { ...before, health_status: rng.pick(HEALTH), trust_score: rng.next() };
  const snapshot = { ...after, version: "1.0.0", endpoint: "https://agent.example/a2a", metadata: null, last_heartbeat_at: null, trust_tier: "reliable", revision: 7, created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" };
  const payload = JSON.stringify({ type: "agent_health_changed", agent_id: after.id, timestamp: snapshot.updated_at, status: after.health_status, previous_status: before.health_status, message: null, agent: snapshot });
  return { payload, prior: JSON.stringify(priorOf(before, after)) };
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const parseTimes: number[] = [];
const classifyTimes: number[] = [];
let delivered = 0;
for (let round = 0; round < 7; round++) {
  let t = performance.now();
  const parsed = events.map((e) => {
    const after = subjectOf(JSON.parse(e.payload).agent);
    return { after, before: beforeOf("agent_health_changed", JSON.parse(e.prior), after)! };
  });
  parseTimes.push(((performance.now() - t) * 1000) / events.length);
  t = performance.now();
  delivered = 0;
  for (const e of parsed) for (const s of selectors) if (classify(s, e.before, e.after)) delivered++;
  classifyTimes.push(((performance.now() - t) * 1000) / (events.length * selectors.length));
}
console.log(`payload ${events[0].payload.length} B, prior record ${events[0].prior.length} B`);
console.log(`parse snapshot + record: ${median(parseTimes).toFixed(2)} µs per event (once per event)`);
console.log(`classify: ${median(classifyTimes).toFixed(3)} µs per event and selector; ${delivered} of ${events.length * selectors.length} (event, selector) pairs delivered`);
