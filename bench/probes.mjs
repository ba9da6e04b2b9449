#!/usr/bin/env node
/**
 * What active probing costs the API: 10,000 agents probed every 30 s (about
 * 333 probes a second) against a local target server, measured twice on a
 * fresh server each time — without probes, then with the probe runner in the
 * server process (bench/lib/probe-server.mjs), registered with an http probe each:
 *
 *   quiet window   the server's CPU with no API load: what probing alone costs
 *   API window     autocannon on GET /api/v1/agents?limit=50: requests/s, p50, p99
 *
 * The target server runs in this process (its CPU is not the server's); the
 * probes it answers during each window give the probe rate achieved.
 *
 *   npm run bench:probes -- [--agents 10000] [--interval 30000] [--duration 20] ...
 */
import { spawn } from "node:child_process";
import http from "node:http";
import { join } from "node:path";
import autocannon from "autocannon";
import { guard, machine, machineBusySeconds, parseFlags, processUsage, revision, ROOT, sleep, table, writeResult } from "./lib/server.mjs";

const USAGE = `Usage: npm run bench:probes -- [flags]

  --agents N        probed agents (default 10000)
  --interval MS     probe interval in ms (default 30000)
  --warmup S        seconds of probing before measuring, so every agent is in its steady rhythm (default 35)
  --duration S      seconds of each measured window (default 20)
  --connections N   autocannon connections on GET /api/v1/agents (default 10)
  --per-host N      --probe-per-host of the server (default 4; every probe goes to one local host)
  --timeout S       give up after this long (default 900)
  --out FILE        result file (default bench/results/<yyyymmdd>-probes.json)
`;
const opts = parseFlags(process.argv.slice(2), { agents: 10_000, interval: 30_000, warmup: 35, duration: 20, connections: 10, "per-host": 4, timeout: 900, out: "" }, USAGE);
const die = guard({ timeoutSeconds: opts.timeout, name: "bench:probes" });

let hits = 0;
const target = http.createServer((req, res) => {
  hits++;
  res.writeHead(200, { "content-type": "text/plain" }).end("ok");
});
await new Promise((r) => target.listen(0, "127.0.0.1", r));
const targetUrl = `http://127.0.0.1:${target.address().port}`;

async function startChild(probes) {
  const env = { ...process.env, AGENTS: String(opts.agents), INTERVAL: String(opts.interval), PROBES: probes ? "1" : "0", TARGET: targetUrl, PER_HOST: String(opts["per-host"]) };
  const child = spawn(process.execPath, [join(ROOT, "bench/lib/probe-server.mjs")], { env, stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill("SIGKILL"));
  const ready = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (t) => {
      buf += t;
      const line = buf.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  return { child, ...ready };
}

/** CPU % of one core used by `pid`, probes answered per second, and the machine's other load, over `seconds` while `during` runs. */
async function window(pid, seconds, during = () => sleep(seconds * 1000)) {
  const cpu0 = processUsage(pid).cpuSeconds;
  const busy0 = machineBusySeconds();
  const hits0 = hits;
  const t0 = performance.now();
  const result = await during();
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = processUsage(pid).cpuSeconds - cpu0;
  return {
    serverCpuPercent: Math.round((cpu / elapsed) * 1000) / 10,
    machineBusyPercent: Math.round(((machineBusySeconds() - busy0) / elapsed) * 1000) / 10,
    probesPerSecond: Math.round((hits - hits0) / elapsed),
    result,
  };
}

const api = (url) =>
  new Promise((resolve, reject) =>
    autocannon({ url: `${url}/api/v1/agents?limit=50`, connections: opts.connections, duration: opts.duration }, (err, r) => (err ? reject(err) : resolve(r))),
  );

const runs = {};
for (const probes of [false, true]) {
  const name = probes ? "with probes" : "without probes";
  process.stderr.write(`${name}: starting a server with ${opts.agents} agents…\n`);
  const server = await startChild(probes);
  if (probes) {
    process.stderr.write(`${name}: ${opts.warmup}s of probing before measuring…\n`);
    await sleep(opts.warmup * 1000);
  }
  const quiet = await window(server.pid, opts.duration);
  const loaded = await window(server.pid, opts.duration, () => api(server.url));
  const r = loaded.result;
  if (r.non2xx || r.errors) die(1, `${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  runs[probes ? "withProbes" : "withoutProbes"] = {
    quiet: { serverCpuPercent: quiet.serverCpuPercent, machineBusyPercent: quiet.machineBusyPercent, probesPerSecond: quiet.probesPerSecond },
    api: {
      requestsPerSecond: Math.round(r.requests.average),
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      serverCpuPercent: loaded.serverCpuPercent,
      machineBusyPercent: loaded.machineBusyPercent,
      probesPerSecond: loaded.probesPerSecond,
    },
  };
  server.child.kill("SIGTERM");
  await new Promise((r) => server.child.once("exit", r));
}
target.close();

const w = runs.withoutProbes;
const p = runs.withProbes;
process.stdout.write(
  `${table([
    ["", "probes/s", "server CPU idle %", "API req/s", "API p50 ms", "API p99 ms", "server CPU under API load %"],
    ["without probes", w.quiet.probesPerSecond, w.quiet.serverCpuPercent, w.api.requestsPerSecond, w.api.p50Ms, w.api.p99Ms, w.api.serverCpuPercent],
    ["with probes", p.quiet.probesPerSecond, p.quiet.serverCpuPercent, p.api.requestsPerSecond, p.api.p50Ms, p.api.p99Ms, p.api.serverCpuPercent],
  ])}\n`,
);
const file = writeResult("probes", opts.out, { bench: "probes", options: opts, machine: machine(), revision: revision(), runs });
process.stderr.write(`written to ${file}\n`);
