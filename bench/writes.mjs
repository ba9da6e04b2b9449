#!/usr/bin/env node
/**
 * Write throughput of the registry, with autocannon, in three scenarios:
 *
 *   heartbeat  heartbeats that change nothing (the steady state of a fleet: no event)
 *   status     heartbeats that flip healthy ↔ degraded (one agent_health_changed each)
 *   register   registrations of new agents (one agent_registered each)
 *
 * Each agent is driven by one connection only, so its requests are strictly
 * sequential (no optimistic-concurrency retries, and every status heartbeat
 * really is a change). Events appended are counted from the event log's head
 * id (GET /api/v1/stats) before and after each run. The load generator runs
 * in this process, on one thread: on a small machine it shares the cores with
 * the server, and autocannon's worker threads measured slower there.
 *
 *   npm run bench:writes -- [--duration 10] [--connections 50] [--runs 3] ...
 */
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { guard, machine, machineBusySeconds, parseFlags, processUsage, revision, sleep, startServer, table, writeResult } from "./lib/server.mjs";

const SCENARIOS = ["heartbeat", "status", "register"];

const USAGE = `Usage: npm run bench:writes -- [flags]

  --scenarios LIST    comma-separated, of ${SCENARIOS.join(", ")} (default all)
  --duration S        seconds per measured run (default 10)
  --warmup S          seconds of the same load before the measured runs (default 3)
  --runs N            measured runs per scenario; the table shows the median (default 3)
  --connections N     concurrent keep-alive connections (default 50)
  --agents N          agents the heartbeats rotate over, at least --connections (default 100)
  --url URL           use this running server on 127.0.0.1 instead of starting one
                      (it needs --rate-limit 0; the bench agents are removed afterwards)
  --admin-token T     that server's admin token (reads, and removing the bench agents afterwards)
  --pid PID           that server's process id, to report its CPU and memory
  --timeout S         give up (and kill the server) after this long (default 600)
  --out FILE          result file (default bench/results/<yyyymmdd>-writes.json)
`;

const TARGETS = {
  heartbeat: { requestsPerSecond: 12_000, p99Ms: 20 },
  status: { requestsPerSecond: 4_000 },
};

/** A punctual heartbeat cannot move a published trust score ≥ 1 − step (0.01 by default) by the step: no more events. */
const SETTLED_TRUST = 0.99;
const PRIME_LIMIT_SECONDS = 120;
/** Runs during which the rest of the machine used more CPU than this are flagged as noisy. */
const NOISY_OTHER_CPU_PERCENT = 25;

const opts = parseFlags(
  process.argv.slice(2),
  { scenarios: SCENARIOS.join(","), duration: 10, warmup: 3, runs: 3, connections: 50, agents: 100, url: "", "admin-token": "", pid: 0, timeout: 600, out: "" },
  USAGE,
);
const die = guard({ timeoutSeconds: opts.timeout, name: "bench:writes" });
const scenarios = opts.scenarios.split(",").map((s) => s.trim());
for (const s of scenarios) if (!SCENARIOS.includes(s)) die(64, `unknown scenario ${s}; known: ${SCENARIOS.join(", ")}`);
if (opts.agents < opts.connections) die(64, "--agents must be at least --connections (each agent is driven by one connection)");
if (opts.url && !/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(opts.url)) die(64, "--url must be a local server: http://127.0.0.1:PORT");
if (opts.url && !opts["admin-token"]) die(64, "--url needs --admin-token (to remove the bench agents afterwards)");

const adminToken = opts["admin-token"] || randomBytes(24).toString("hex");
// Defaults, except: no rate limit, and agents stay "online" for an hour, so that
// the agents of one scenario do not go offline (events) during the next.
const SERVER_FLAGS = { "rate-limit": 0, "offline-after": "1h" };
const server = opts.url ? null : await startServer({ flags: { ...SERVER_FLAGS, "admin-token": adminToken } });
const url = (opts.url || server.url).replace(/\/$/, "");
const usage = server ? server.usage : opts.pid ? () => processUsage(opts.pid) : null;
const runId = randomBytes(4).toString("hex");
const tag = `bench-${runId}`;
const admin = { authorization: `Bearer ${adminToken}` };
const JSON_HEADERS = { "content-type": "application/json" };

console.log(`bench:writes: ${server ? `server ${url} (pid ${server.pid})` : url}; ${opts.connections} connections, ${opts.agents} agents, ${opts.runs} × ${opts.duration}s per scenario`);

const card = (id) => ({
  id,
  name: `Bench agent ${id}`,
  version: "1.0.0",
  description: "Registered by bench/writes.mjs",
  endpoint: "http://127.0.0.1:9/agent",
  protocol: "http",
  skills: [{ name: "echo", description: "Says it back" }],
  tags: ["bench", tag],
});

const agents = await registerAgents(opts.agents);
const results = {};
for (const scenario of scenarios) results[scenario] = await runScenario(scenario);

if (server) {
  await server.stop();
} else {
  await removeBenchAgents();
}

const report = {
  benchmark: "writes",
  date: new Date().toISOString(),
  machine: await machine(),
  revision: revision(),
  server: server ? { kind: "fresh agentmesh serve, SQLite", flags: SERVER_FLAGS } : { kind: "running server (--url)" },
  options: { duration: opts.duration, warmup: opts.warmup, runs: opts.runs, connections: opts.connections, agents: opts.agents, client: "autocannon, in-process (one thread)" },
  targets: TARGETS,
  scenarios: results,
};
const file = writeResult("writes", opts.out, report);
printTable(results);
console.log(`\nwritten to ${file}`);
const missed = Object.values(results).filter((r) => r.pass === false).length;
process.exit(missed ? 1 : 0);

// ---------------------------------------------------------------------------

async function runScenario(name) {
  console.log(`\n${name}:`);
  const setupClient = assignAgents(name);
  const load = (seconds) =>
    autocannon({
      url,
      connections: opts.connections,
      duration: seconds,
      setupClient,
      // Unique agent ids per registration: autocannon puts a fresh id in place of [<id>].
      ...(name === "register"
        ? { requests: [{ method: "POST", path: "/api/v1/agents", headers: JSON_HEADERS, body: JSON.stringify(card(`${tag}-[<id>]`)) }], idReplacement: true }
        : {}),
    });

  if (name === "heartbeat") await primeTrust(load);
  else await checked(`${name} warm-up`, load(opts.warmup));

  const runs = [];
  for (let i = 0; i < opts.runs; i++) {
    if (name === "status") await setAllHealthy(); // every agent's first heartbeat in the run is then a change
    await sleep(500);
    runs.push(await measure(`${name} run ${i + 1}`, () => load(opts.duration)));
    const r = runs.at(-1);
    const noisy = r.otherCpuPercent > NOISY_OTHER_CPU_PERCENT ? "  (NOISY: the rest of the machine was busy)" : "";
    console.log(
      `  run ${i + 1}: ${fmt(r.requestsPerSecond)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${fmt(r.eventsPerSecond)} events/s, ` +
        `cpu: server ${r.serverCpuPercent ?? "n/a"}%, client ${r.clientCpuPercent}%, other ${r.otherCpuPercent ?? "n/a"}%${noisy}`,
    );
  }
  const median = (pick) => medianOf(runs.map(pick));
  const summary = {
    requestsPerSecond: median((r) => r.requestsPerSecond),
    latencyMs: { p50: median((r) => r.latencyMs.p50), p99: median((r) => r.latencyMs.p99) },
    eventsPerSecond: median((r) => r.eventsPerSecond),
    eventsPerRequest: median((r) => r.eventsPerRequest),
    serverCpuPercent: usage ? median((r) => r.serverCpuPercent) : null,
    clientCpuPercent: median((r) => r.clientCpuPercent),
    otherCpuPercent: usage ? median((r) => r.otherCpuPercent) : null,
    peakRssMiB: usage ? Math.max(...runs.map((r) => r.peakRssMiB)) : null,
  };
  const target = TARGETS[name];
  const pass = target
    ? summary.requestsPerSecond >= target.requestsPerSecond && (target.p99Ms === undefined || summary.latencyMs.p99 <= target.p99Ms)
    : null;
  return { median: summary, pass, runs };
}

/**
 * Gives each autocannon connection its own agents (agent i goes to connection
 * i mod connections) and the requests it sends for them, in a loop.
 */
function assignAgents(name) {
  let connection = 0;
  const heartbeat = (agent, status) => ({
    method: "POST",
    path: `/api/v1/agents/${agent.id}/heartbeat`,
    headers: { ...JSON_HEADERS, authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ status }),
  });
  return (client) => {
    const mine = agents.filter((_, i) => i % opts.connections === connection % opts.connections);
    connection++;
    if (name === "heartbeat") client.setRequests(mine.map((a) => heartbeat(a, "healthy")));
    // All of them to degraded, then all back: each heartbeat flips its agent.
    if (name === "status") client.setRequests([...mine.map((a) => heartbeat(a, "degraded")), ...mine.map((a) => heartbeat(a, "healthy"))]);
  };
}

/**
 * Heartbeats until every agent's trust score has settled (≥ 0.99): from then
 * on a punctual heartbeat changes nothing that is published, which is what a
 * long-lived fleet sends. Also warms the server up.
 */
async function primeTrust(load) {
  const started = performance.now();
  let requests = 0;
  let lowest = 0;
  do {
    const r = await checked("heartbeat warm-up", load(Math.max(1, opts.warmup)));
    requests += r["2xx"];
    lowest = Math.min(...(await getJson(`/api/v1/agents?tag=${tag}&limit=1000`)).agents.map((a) => a.trust_score));
  } while (lowest < SETTLED_TRUST && performance.now() - started < PRIME_LIMIT_SECONDS * 1000);
  const seconds = (performance.now() - started) / 1000;
  console.log(`  warm-up: ${fmt(requests)} heartbeats in ${seconds.toFixed(1)} s until trust settled (lowest score ${lowest})`);
  if (lowest < SETTLED_TRUST) console.warn(`  trust did not settle within ${PRIME_LIMIT_SECONDS}s: heartbeats below may publish trust events`);
}

/** One autocannon run with the server's CPU, memory and event head around it. */
async function measure(label, run) {
  const before = { head: await eventHead(), usage: usage?.(), client: process.cpuUsage(), busy: machineBusySeconds() };
  let peakRssKiB = before.usage?.rssKiB ?? 0;
  const sampler = usage && setInterval(() => (peakRssKiB = Math.max(peakRssKiB, usage().rssKiB)), 250);
  const started = performance.now();
  const result = await checked(label, run());
  const wall = (performance.now() - started) / 1000;
  if (sampler) clearInterval(sampler);
  const after = { head: await eventHead(), usage: usage?.(), client: process.cpuUsage(before.client), busy: machineBusySeconds() };
  const events = after.head - before.head;
  const serverCpu = usage ? after.usage.cpuSeconds - before.usage.cpuSeconds : null;
  const clientCpu = (after.client.user + after.client.system) / 1e6;
  const percent = (seconds) => Math.round((seconds / wall) * 100);
  return {
    requests: result["2xx"],
    durationSeconds: result.duration,
    requestsPerSecond: Math.round(result["2xx"] / result.duration),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: round(result.latency.average, 2) },
    // Events include those of the requests still in flight when the run stopped (at most one per connection).
    events,
    eventsPerSecond: Math.round(events / result.duration),
    eventsPerRequest: round(events / result["2xx"], 3),
    serverCpuPercent: usage ? percent(serverCpu) : null,
    clientCpuPercent: percent(clientCpu),
    // CPU the rest of the machine used meanwhile (other processes, and kernel work not charged to either): should be small.
    otherCpuPercent: usage ? percent(after.busy - before.busy - serverCpu - clientCpu) : null,
    peakRssMiB: usage ? round(Math.max(peakRssKiB, after.usage.rssKiB) / 1024, 1) : null,
  };
}

/** Awaits an autocannon run and fails loudly on anything but 2xx answers. */
async function checked(label, run) {
  const result = await run;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad || result["2xx"] === 0) {
    die(1, `${label}: ${result["2xx"]} ok, ${result.non2xx} non-2xx ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts` +
      (result.statusCodeStats?.["429"] ? " (the server rate-limits: start it with --rate-limit 0)" : ""));
  }
  return result;
}

async function registerAgents(n) {
  const list = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const id = `${tag}-${String(i).padStart(4, "0")}`;
      const body = await request("POST", "/api/v1/agents", card(id), {}, 201);
      list[i] = { id, token: body.agent_token };
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return list;
}

async function setAllHealthy() {
  for (const agent of agents) {
    await request("POST", `/api/v1/agents/${agent.id}/heartbeat`, { status: "healthy" }, { authorization: `Bearer ${agent.token}` }, 200);
  }
}

/** On someone else's server, leaves no bench agents behind. */
async function removeBenchAgents() {
  for (;;) {
    const { agents: page } = await getJson(`/api/v1/agents?tag=${tag}&limit=1000`);
    if (!page.length) return;
    let next = 0;
    const worker = async () => {
      while (next < page.length) await request("DELETE", `/api/v1/agents/${page[next++].id}`, undefined, admin, 204);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }
}

async function eventHead() {
  return (await getJson("/api/v1/stats")).events.last_id;
}

function getJson(path) {
  return request("GET", path, undefined, admin, 200);
}

async function request(method, path, body, headers, expected) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : JSON_HEADERS), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

function printTable(results) {
  const rows = [["scenario (median of runs)", "req/s", "p50 ms", "p99 ms", "events/s", "events/req", "server cpu", "client cpu", "other cpu", "peak rss", "target"]];
  for (const [name, { median: m, pass }] of Object.entries(results)) {
    const t = TARGETS[name];
    const goal = t ? `≥ ${fmt(t.requestsPerSecond)}/s${t.p99Ms ? `, p99 ≤ ${t.p99Ms} ms` : ""}  ${pass ? "ok" : "MISSED"}` : "";
    rows.push([
      name,
      fmt(m.requestsPerSecond),
      m.latencyMs.p50,
      m.latencyMs.p99,
      fmt(m.eventsPerSecond),
      m.eventsPerRequest,
      m.serverCpuPercent === null ? "n/a" : `${m.serverCpuPercent}%`,
      `${m.clientCpuPercent}%`,
      m.otherCpuPercent === null ? "n/a" : `${m.otherCpuPercent}%`,
      m.peakRssMiB === null ? "n/a" : `${m.peakRssMiB} MiB`,
      goal,
    ]);
  }
  console.log(`\n${table(rows)}\n\ncpu is in % of one core; "other" is what the rest of the machine used meanwhile (should be near 0).`);
}

function medianOf(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : round((sorted[mid - 1] + sorted[mid]) / 2, 2);
}

function round(x, digits) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

function fmt(n) {
  return Math.round(n).toLocaleString("en-US");
}
