/**
 * Child process of `npm run bench:probes`: a production server (dist/, SQLite)
 * with AGENTS registered agents and, when PROBES=1, the probe runner in the
 * same process, probing each agent's http probe at TARGET every INTERVAL ms.
 * The leases use the store's own Kysely connection, as the integrated server
 * does. Prints one JSON line `{ url, pid }` once everything is registered.
 *
 * Until the guarded fetcher lands, probes go through a plain fetcher: a fresh
 * connection per probe (no keep-alive), as the guarded fetcher connects to the
 * address it checked each time.
 */
import http from "node:http";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import { startServer } from "../../dist/server/start.js";
import { createProbeLeases } from "../../dist/server/store/probe-leases.js";
import { ProbeRunner } from "../../dist/server/probes/runner.js";

const AGENTS = Number(process.env.AGENTS ?? 10_000);
const INTERVAL = Number(process.env.INTERVAL ?? 30_000);
const PROBES = process.env.PROBES === "1";
const TARGET = process.env.TARGET;

/** GET with a fresh connection; answers as the GuardedFetcher contract does. */
const fetcher = {
  get(url, options = {}) {
    const started = performance.now();
    return new Promise((resolve) => {
      const req = http.get(url, { agent: false, signal: options.signal, timeout: options.timeoutMs }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ ok: true, response: { url, status: res.statusCode, headers: {}, body: Buffer.concat(chunks), latencyMs: performance.now() - started } }));
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (err) => resolve({ ok: false, failure: { kind: "network", message: err.message, url, latencyMs: performance.now() - started } }));
    });
  },
  async connect() {
    throw new Error("not used by this benchmark");
  },
};

const dir = mkdtempSync(join(os.tmpdir(), "agentmesh-bench-probes-"));
const server = await startServer({ port: 0, host: "127.0.0.1", database: `sqlite:${join(dir, "bench.db")}`, "rate-limit": 0, "log-level": "warn", "log-format": "json" });
const card = (i) => ({ id: `bench-${i}`, name: `Bench ${i}`, version: "1.0.0", description: "probed", endpoint: `${TARGET}/agents/${i}`, protocol: "http", tags: ["bench"] });
for (let i = 0; i < AGENTS; i++) {
  const r = await server.app.http.inject({ method: "POST", url: "/api/v1/agents", payload: card(i) });
  if (r.statusCode !== 201) throw new Error(`registering bench-${i}: ${r.statusCode} ${r.body}`);
}

let runner = null;
if (PROBES) {
  // The store keeps its Kysely private; the integrated server hands it to createProbeLeases the same way.
  const leases = createProbeLeases(server.store.kysely, "sqlite");
  const now = Date.now();
  const probe = { kind: "http", url: `${TARGET}/healthz`, interval_ms: INTERVAL, timeout_ms: 5000, failures: 3, successes: 2 };
  // Spread over the whole interval, as a fleet registered over time would be.
  for (let i = 0; i < AGENTS; i++) await leases.upsert(`bench-${i}`, probe, now + Math.floor(Math.random() * INTERVAL));
  runner = new ProbeRunner({
    leases,
    fetcher,
    onTransition: async () => {},
    clock: { now: Date.now },
    concurrency: server.config.probeConcurrency,
    perHost: Number(process.env.PER_HOST ?? server.config.probePerHost),
    owner: `bench:${process.pid}`,
    onError: (err) => process.stderr.write(`probe error: ${err?.stack ?? err}\n`),
  });
  runner.start();
}
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
process.once("SIGTERM", async () => {
  await runner?.stop();
  await server.close(0);
  process.exit(0);
});
