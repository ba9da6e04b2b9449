#!/usr/bin/env node
/**
 * Medians of repeated side-by-side cells (bench/peers-repeat.sh): one row per
 * peer and cell, from the generator's JSON files r<round>-<peer>-<N>-<R>.json.
 *
 *   node bench/peers-medians.mjs bench/results/repeated/2-after
 *
 * Server µs/delivery is the server's CPU time over the measured window divided
 * by the deliveries received; generator ms/event is the generator's own CPU per
 * published event, the floor under the last subscriber's latency at large N
 * (it reads every socket on one thread).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node bench/peers-medians.mjs <dir of r<round>-<peer>-<N>-<R>.json>");
  process.exit(64);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cells = new Map();
for (const name of readdirSync(dir).sort()) {
  const m = /^r(\d+)-(.+)-(\d+)-(\d+)\.json$/.exec(name);
  if (!m) continue;
  const d = JSON.parse(readFileSync(join(dir, name), "utf8"));
  const key = `${m[2]}|${m[3]}|${m[4]}`;
  if (!cells.has(key)) cells.set(key, []);
  const received = d.deliveries.received || 0;
  cells.get(key).push({
    pct: d.deliveries.pct ?? 0,
    p50: d.latency_ms.p50 ?? NaN,
    p99: d.latency_ms.p99 ?? NaN,
    serverUs: received ? (d.server.cpu_s * 1e6) / received : NaN,
    serverPct: d.server.cpu_pct_of_one_core,
    genMsPerEvent: (d.generator.cpu_s * 1000) / d.config.measured_events,
    genSat: Boolean(d.flags?.generator_saturated),
  });
}
const f = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
const range = (xs, digits = 1) => `${f(Math.min(...xs), digits)}–${f(Math.max(...xs), digits)}`;
console.log(`Medians over rounds (${dir})\n`);
console.log("| peer | N | R | runs | delivered % (min) | p50 ms | p99 ms (range) | server µs/delivery (range) | server % of a core | generator ms/event | generator saturated |");
console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
for (const [key, runs] of [...cells].sort()) {
  const [peer, n, r] = key.split("|");
  const col = (k) => runs.map((x) => x[k]);
  console.log(
    `| ${peer} | ${n} | ${r} | ${runs.length} | ${f(Math.min(...col("pct")), 2)} | ${f(median(col("p50")))} | ${f(median(col("p99")))} (${range(col("p99"))}) | ${f(median(col("serverUs")), 2)} (${range(col("serverUs"), 2)}) | ${f(median(col("serverPct")), 0)} | ${f(median(col("genMsPerEvent")))} | ${runs.filter((x) => x.genSat).length}/${runs.length} |`,
  );
}
