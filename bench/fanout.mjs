#!/usr/bin/env node
/**
 * Fan-out through the real write path: for each cell of a matrix of N
 * subscribers × R events/s, a fresh server on a temporary SQLite file, N SSE
 * streams, and R PATCHes of an agent's metadata per second (HTTP → validation
 * → store transaction → event log → tailer → hub → every stream). The load
 * generator is bench/lib/sse-load.mjs, the same one the reference servers
 * (seed-python, nchan) were measured with; it times every delivery from the
 * moment the write was sent to the moment the frame arrived. Meanwhile a
 * browser-style client times the first byte of GET /api/v1/agents, 20 times a
 * second on one keep-alive connection ("REST p99"): the fan-out must not starve
 * the API.
 *
 * Then a probe at N = 1000 doubles R until it stops holding (< 99 % delivered
 * or p99 > 1 s).
 *
 *   npm run bench:fanout                         # the whole matrix and the probe (~6 min)
 *   npm run bench:fanout -- --cells 1000x200,5000x10 --probe 0
 *   npm run bench:fanout -- --subs 100,1000 --rates 10,100 --duration 5
 *   npm run bench:fanout -- --instances 3 --database postgres://127.0.0.1/test
 *   npm run bench:fanout -- --cells 1000x100 --probe 0 --selectors 100   # standing queries
 *
 * With --selectors K the streams are standing queries over K distinct
 * selectors (subscribers spread over them round-robin), every one of which
 * matches the benchmark agent, so each event is delivered to every stream,
 * classified once per selector and carrying `"match":"stayed"`: the same
 * deliveries as the plain cell, and the CPU per delivery compares directly.
 */
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, guard, machine, parseFlags, raiseFileLimit, sleep, startServer, table, writeResult } from "./lib/server.mjs";

const USAGE = `Usage: npm run bench:fanout -- [flags]

  --subs LIST        subscriber counts of the matrix (default 100,1000,5000)
  --rates LIST       events per second of the matrix (default 10,100,1000)
  --cells LIST       instead of subs × rates, exactly these cells: NxR,NxR (e.g. 1000x200,5000x10)
  --duration S       measured seconds of publishing per cell (default 10)
  --warmup S         seconds of publishing before measuring, not counted (default 2)
  --drain S          seconds to wait for late deliveries after the last publish (default 5)
  --probe 0|1        after the matrix, double R at N=--probe-subs until it stops holding (default 1)
  --probe-subs N     subscribers of the probe (default 1000)
  --probe-start R    first rate of the probe (default 100)
  --probe-steps K    at most this many doublings (default 6)
  --instances K      servers sharing one PostgreSQL database (needs --database; default 1):
                     subscribers spread over all of them, writes through the first
  --database URL     postgres://… for --instances (default: a fresh SQLite file per cell)
  --selectors K      streams with selectors: K distinct ones, all matching the benchmark agent (default 0: plain streams)
  --server-args ARGS extra \`agentmesh serve\` flags, e.g. "--stream-flush 0"
  --timeout S        give up (and kill the servers) after this long (default 1800)
  --out FILE         result file (default bench/results/<yyyymmdd>-fanout.json)
`;

const ADMIN = "bench-admin-token-0123456789abcdef";
const AGENT = "bench-1";

async function main() {
  const opts = parseFlags(
    process.argv.slice(2),
    {
      subs: "100,1000,5000",
      rates: "10,100,1000",
      cells: "",
      duration: 10,
      warmup: 2,
      drain: 5,
      probe: 1,
      "probe-subs": 1000,
      "probe-start": 100,
      "probe-steps": 6,
      instances: 1,
      database: "",
      "server-args": "",
      selectors: 0,
      timeout: 1800,
      out: "",
    },
    USAGE,
  );
  const die = guard({ timeoutSeconds: opts.timeout, name: "bench:fanout" });
  if (opts.instances > 1 && !opts.database.startsWith("postgres")) die(64, "--instances > 1 needs --database postgres://…");
  const list = (text) => text.split(",").filter(Boolean).map((x) => Number(x));
  const cells = opts.cells
    ? opts.cells.split(",").map((c) => c.split("x").map(Number))
    : list(opts.subs).flatMap((n) => list(opts.rates).map((r) => [n, r]));
  if (cells.some(([n, r]) => !(n > 0 && r > 0))) die(64, `bad cells: ${opts.cells || `${opts.subs} × ${opts.rates}`}`);

  const setup = opts.instances > 1 ? `${opts.instances} instances on PostgreSQL` : opts.database ? "PostgreSQL" : "SQLite";
  console.log(`bench:fanout: ${cells.length} cells, ${opts.duration}s each (+${opts.warmup}s warm-up), ${setup}${opts.probe ? ", then the probe" : ""}`);
  const results = [];
  for (const [subs, rate] of cells) results.push(await cell(opts, subs, rate, "matrix"));

  const probe = [];
  if (opts.probe) {
    for (let i = 0, rate = opts["probe-start"]; i < opts["probe-steps"]; i++, rate *= 2) {
      const r = await cell(opts, opts["probe-subs"], rate, "probe");
      probe.push(r);
      if (!r.held) break;
    }
  }
  const held = probe.filter((r) => r.held).at(-1);

  console.log(`\n${table([HEADER, ...results.map(row)])}`);
  if (probe.length) {
    console.log(`\nprobe at N=${opts["probe-subs"]}:\n${table([HEADER, ...probe.map(row)])}`);
    console.log(`highest rate that held: ${held ? `${held.rate} events/s (${held.deliveriesPerSecond} deliveries/s)` : "none"}`);
  }
  const file = writeResult(opts.instances > 1 ? `fanout-${opts.instances}x-postgres` : "fanout", opts.out, {
    benchmark: "fanout",
    machine: await machine(),
    options: opts,
    cells: results,
    probe,
    probeHeld: held ? held.rate : null,
  });
  console.log(`\nwritten to ${file}`);
}

const HEADER = ["N subs", "R ev/s", "delivered %", "p50 ms", "p99 ms", "max ms", "deliveries/s", "server CPU s (% core)", "CPU µs/delivery", "peak RSS MiB", "host busy %", "REST p99 ms", "flags"];

const fmtMs = (x) => (x === null ? "n/a" : x.toFixed(1));

function row(r) {
  const f = (x, d = 1) => (x === null || x === undefined ? "n/a" : Number(x).toFixed(d));
  return [
    r.subs,
    r.rate,
    f(r.deliveredPct, 2),
    f(r.latencyMs.p50),
    f(r.latencyMs.p99),
    f(r.latencyMs.max, 0),
    Math.round(r.deliveriesPerSecond ?? 0).toLocaleString("en"),
    `${f(r.serverCpuSeconds, 2)} (${f(r.serverCpuPct, 0)}%)`,
    f(r.cpuMicrosPerDelivery, 2),
    f(r.peakRssMiB),
    f(r.hostBusyPct, 0),
    f(r.api?.p99),
    r.flags.join(" "),
  ];
}

/** One fresh server (or cluster), one generator run; returns the numbers that matter and the generator's full report. */
async function cell(opts, subs, rate, phase) {
  const { servers, cleanup } = await startServers(opts, subs);
  try {
    const target = servers[0].url;
    const register = await fetch(`${target}/api/v1/agents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: AGENT, name: "Bench", version: "1.0.0", description: "benchmark target", endpoint: "http://127.0.0.1:9/bench", protocol: "http", skills: [{ name: "echo", description: "echoes" }], tags: ["bench"] }),
    });
    if (register.status !== 201) throw new Error(`registering ${AGENT} answered ${register.status}: ${await register.text()}`);
    const rest = restProbe(servers, subs);
    let report;
    try {
      report = await generate(opts, servers, subs, rate);
    } finally {
      rest.stop();
    }
    const api = await rest.result;
    const d = report.deliveries;
    const s = report.server;
    const result = {
      phase,
      subs,
      rate,
      selectors: opts.selectors,
      subscribersReady: report.subscribers.ready_at_measure_start,
      deliveredPct: d.pct,
      latencyMs: report.latency_ms,
      deliveriesPerSecond: report.throughput.deliveries_per_s,
      serverCpuSeconds: s.cpu_s,
      serverCpuPct: s.cpu_pct_of_one_core,
      cpuMicrosPerDelivery: s.cpu_s !== null && d.received ? (s.cpu_s / d.received) * 1e6 : null,
      peakRssMiB: s.peak_rss_kb ? s.peak_rss_kb / 1024 : null,
      hostBusyPct: report.host_cpu?.busy_pct_of_all_cores ?? null,
      api,
      otherLoadCores: report.host_cpu?.other_load_cores ?? null,
      flags: [
        report.flags.generator_saturated && "GEN-SAT",
        report.flags.host_saturated && "HOST-SAT",
        report.flags.noisy_host && `NOISY(${report.host_cpu.other_load_cores})`,
        !report.flags.all_subscribers_ready && "SUBS-MISSING",
        report.publish.http_errors + report.publish.net_errors > 0 && "PUB-ERRORS",
        report.publish.dropped_inflight_cap > 0 && "PUB-DROPPED",
        report.deliveries.out_of_order_or_duplicate > 0 && "OUT-OF-ORDER",
      ].filter(Boolean),
      held: d.pct !== null && d.pct >= 99 && (report.latency_ms.p99 ?? Infinity) <= 1000,
      report,
    };
    console.log(`  ${phase} N=${subs} R=${rate}: ${report.summary.replace(/^\[[^\]]*\] /, "")}`);
    console.log(`    GET /api/v1/agents meanwhile: ${api.count} requests, first byte p50 ${fmtMs(api.p50)} p99 ${fmtMs(api.p99)} max ${fmtMs(api.max)} ms`);
    return result;
  } finally {
    for (const server of servers) await server.stop();
    await cleanup();
    await sleep(1000);
  }
}

async function startServers(opts, subs) {
  const flags = {
    "admin-token": ADMIN,
    "rate-limit": 0,
    "max-streams": subs + 100,
    "max-streams-per-client": subs + 100,
  };
  const extra = opts["server-args"].split(/\s+/).filter(Boolean);
  if (!opts.database) return { servers: [await startServer({ flags, extraArgs: extra })], cleanup: async () => {} };
  // PostgreSQL: a fresh schema per cell, so every cell starts from an empty log.
  const { default: pg } = await import("pg");
  const schema = `agentmesh_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: opts.database });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(opts.database);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const cleanup = async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  };
  const servers = [];
  try {
    for (let i = 0; i < opts.instances; i++) servers.push(await startServer({ flags, database: url.toString(), extraArgs: extra }));
  } catch (err) {
    for (const server of servers) await server.stop();
    await cleanup();
    throw err;
  }
  return { servers, cleanup };
}

/**
 * A browser-style REST client beside the fan-out: one keep-alive connection,
 * GET /api/v1/agents every 50 ms (one at a time), timing the first byte of each
 * answer (the status line), from the moment every subscriber is connected until
 * the generator is done. A busy hub must not starve the API.
 */
function restProbe(servers, subs) {
  const target = new URL(servers.at(-1).url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let stopped = false;
  const get = (path) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request({ host: target.hostname, port: target.port, path, agent, headers: { accept: "application/json" } }, (res) => {
        const firstByteMs = performance.now() - started;
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, firstByteMs, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
  const result = (async () => {
    const samples = [];
    let errors = 0;
    // Wait for the subscribers (all instances count theirs; the probe asks the last one, which holds its share).
    const share = Math.floor(subs / servers.length);
    while (!stopped) {
      const stats = await get("/api/v1/stats").catch(() => null);
      if (stats?.status === 200 && JSON.parse(stats.body).subscribers >= share) break;
      await sleep(100);
    }
    while (!stopped) {
      const next = performance.now() + 50;
      try {
        const r = await get("/api/v1/agents?limit=50");
        if (r.status === 200) samples.push(r.firstByteMs);
        else errors++;
      } catch {
        errors++;
      }
      await sleep(Math.max(0, next - performance.now()));
    }
    agent.destroy();
    samples.sort((a, b) => a - b);
    const q = (p) => (samples.length ? samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)] : null);
    return { count: samples.length, errors, p50: q(50), p99: q(99), max: samples.at(-1) ?? null };
  })();
  return {
    result,
    stop() {
      stopped = true;
    },
  };
}

/**
 * The query each stream adds: nothing for plain streams; for K selectors, K
 * distinct ones (distinct canonical keys, so K frame groups) that all match
 * the benchmark agent (trust 0.5, tag bench, skill echo, protocol http), in
 * four shapes. No commas: the generator splits its URL list on them.
 */
function streamQueries(k) {
  if (!k) return [""];
  const shapes = [(t) => `&min_trust=${t}`, (t) => `&tag=bench&min_trust=${t}`, (t) => `&skill=echo&protocol=http&min_trust=${t}`, (t) => `&q=bench&tier=reliable&min_trust=${t}`];
  return Array.from({ length: k }, (_, i) => shapes[i % shapes.length]((i / (10 * k)).toFixed(4)));
}

/** Runs the load generator as its own process (as it would run against any server) and returns its JSON report. */
async function generate(opts, servers, subs, rate) {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-fanout-"));
  const out = join(dir, "report.json");
  const target = servers[0].url;
  const args = [
    join(ROOT, "bench/lib/sse-load.mjs"),
    "--url", servers.flatMap((s) => streamQueries(opts.selectors).map((q) => `${s.url}/api/v1/events?agent_id=${AGENT}${q}`)).join(","),
    "--publish", `PATCH ${target}/api/v1/agents/${AGENT}`,
    "--body", '{"metadata":{{payload}}}',
    "--pub-header", "Content-Type: application/json",
    "--pub-header", `Authorization: Bearer ${ADMIN}`,
    "--subs", String(subs),
    "--rate", String(rate),
    "--duration", String(opts.duration),
    "--warmup", String(opts.warmup),
    "--drain", String(opts.drain),
    "--server-pid", servers.map((s) => s.pid).join(","),
    "--label", `agentmesh-${subs}-${rate}${opts.selectors ? `-${opts.selectors}sel` : ""}`,
    "--out", out,
  ];
  try {
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
      child.on("exit", (c, signal) => resolve(c ?? signal));
    });
    if (code !== 0 && code !== 3) throw new Error(`the load generator failed (${code})`);
    const report = JSON.parse(readFileSync(out, "utf8"));
    delete report.config.out; // a temporary path of this machine
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await raiseFileLimit(import.meta.url, main);
