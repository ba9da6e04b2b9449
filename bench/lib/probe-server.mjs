/**
 * Child process of `npm run bench:probes`: a production server (dist/, SQLite)
 * with AGENTS registered agents. With PROBES=1 each is registered with an
 * `http` probe of TARGET every INTERVAL ms, run by the server's own probe
 * runner through its guarded fetcher (`--probe-allow 127.0.0.0/8`, since the
 * target is local), exactly as in production; with PROBES=0 the same agents
 * without a probe. Prints one JSON line `{ url, pid }` once everything is
 * registered.
 */
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import { startServer } from "../../dist/server/start.js";

const AGENTS = Number(process.env.AGENTS ?? 10_000);
const INTERVAL = Number(process.env.INTERVAL ?? 30_000);
const PROBES = process.env.PROBES === "1";
const TARGET = process.env.TARGET;

const dir = mkdtempSync(join(os.tmpdir(), "agentmesh-bench-probes-"));
const server = await startServer({
  port: 0,
  host: "127.0.0.1",
  database: `sqlite:${join(dir, "bench.db")}`,
  "rate-limit": 0,
  "log-level": "warn",
  "log-format": "json",
  "probe-allow": "127.0.0.0/8",
  "probe-per-host": process.env.PER_HOST ?? "4",
});
const probe = { kind: "http", url: `${TARGET}/healthz`, interval_ms: INTERVAL, timeout_ms: 5000 };
const card = (i) => ({ id: `bench-${i}`, name: `Bench ${i}`, version: "1.0.0", description: "probed", endpoint: `${TARGET}/agents/${i}`, protocol: "http", tags: ["bench"], ...(PROBES ? { probe } : {}) });
for (let i = 0; i < AGENTS; i++) {
  const r = await server.app.http.inject({ method: "POST", url: "/api/v1/agents", payload: card(i) });
  if (r.statusCode !== 201) throw new Error(`registering bench-${i}: ${r.statusCode} ${r.body}`);
}
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
process.once("SIGTERM", async () => {
  await server.close(0);
  process.exit(0);
});
