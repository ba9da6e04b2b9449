#!/usr/bin/env node
/**
 * What an idle event stream costs the server: opens N SSE streams on a fresh
 * server with raw sockets, then reports how long they took to open, the
 * server's RSS with them open (and per stream), its subscriber gauge, and
 * what is left once they all close. Further rounds on the same server tell
 * memory the process keeps for reuse from memory it leaks.
 *
 *   npm run bench:idle -- [--streams 10000] [--concurrency 200] [--rounds 3] [--out FILE]
 */
import net from "node:net";
import { fileLimit, guard, machine, parseFlags, raiseFileLimit, revision, sleep, startServer, table, writeResult } from "./lib/server.mjs";

const USAGE = `Usage: npm run bench:idle -- [flags]

  --streams N       idle event streams to open (default 10000)
  --concurrency N   connections being opened at once (default 200)
  --rounds N        open-and-close rounds on the same server (default 3)
  --settle S        seconds to let the server's memory settle before reading it (default 3)
  --timeout S       give up (and kill the server) after this long (default 300)
  --out FILE        result file (default bench/results/<yyyymmdd>-idle.json)
`;

const TARGETS = { perStreamKiB: 16, openSeconds: 10 };

await raiseFileLimit(import.meta.url, main);

async function main() {
  const opts = parseFlags(process.argv.slice(2), { streams: 10_000, concurrency: 200, rounds: 3, settle: 3, timeout: 300, out: "" }, USAGE);
  const die = guard({ timeoutSeconds: opts.timeout, name: "bench:idle" });
  if (opts.streams + 200 > fileLimit()) die(1, `${opts.streams} streams need more open files than allowed here (ulimit -Hn is ${fileLimit()})`);

  const server = await startServer({
    flags: { "rate-limit": 0, "max-streams": opts.streams + 100, "max-streams-per-client": opts.streams + 100 },
  });
  console.log(`bench:idle: server ${server.url} (pid ${server.pid}), ${opts.streams} streams, ${opts.concurrency} at a time, ${opts.rounds} round(s)`);
  const fresh = await gauges(server.url);
  if (fresh.subscribers !== 0) die(1, "a fresh server already has subscribers");
  await sleep(1000);
  const baseline = { rssKiB: server.usage().rssKiB, heapUsedKiB: (await gauges(server.url)).heapUsedKiB };

  const rounds = [];
  for (let i = 0; i < opts.rounds; i++) {
    const r = await round(server, opts);
    // What opening them added to the process: from the baseline, then from where the last round left off.
    const before = i === 0 ? baseline.rssKiB : rounds[i - 1].rssKiB.afterClose;
    r.perStreamKiB = round2((r.rssKiB.open - before) / r.opened);
    rounds.push(r);
    console.log(`  round ${i + 1}: ${r.opened} open in ${r.openSeconds} s; rss ${mib(r.rssKiB.open)} open, ${mib(r.rssKiB.afterClose)} after close`);
  }
  const end = server.usage();
  await server.stop();

  const first = rounds[0];
  const pass = {
    perStream: first.perStreamKiB <= TARGETS.perStreamKiB,
    openTime: first.openSeconds < TARGETS.openSeconds,
    allOpen: rounds.every((r) => r.failed === 0 && r.closedByServer === 0 && r.subscribers.open === opts.streams),
    allGone: rounds.every((r) => r.subscribers.afterClose === 0),
  };
  const file = writeResult("idle", opts.out, {
    benchmark: "idle",
    date: new Date().toISOString(),
    machine: await machine(),
    revision: revision(),
    options: { streams: opts.streams, concurrency: opts.concurrency, rounds: opts.rounds, settleSeconds: opts.settle },
    targets: TARGETS,
    pass,
    baseline,
    peakRssKiB: end.peakRssKiB,
    serverCpuSeconds: round2(end.cpuSeconds),
    rounds,
  });

  const ok = (b) => (b ? "ok" : "MISSED");
  const headline = [
    ["idle streams (round 1, fresh server)", "value", "target"],
    ["streams open (subscriber gauge)", `${first.subscribers.open} / ${opts.streams}`, ok(pass.allOpen)],
    ["time to open all (200 heads in)", `${first.openSeconds.toFixed(2)} s`, `< ${TARGETS.openSeconds} s  ${ok(pass.openTime)}`],
    ["rss baseline", mib(baseline.rssKiB), ""],
    ["rss with streams open", mib(first.rssKiB.open), ""],
    ["rss per stream", `${first.perStreamKiB.toFixed(2)} KiB`, `<= ${TARGETS.perStreamKiB} KiB  ${ok(pass.perStream)}`],
    ["subscribers after close", `${first.subscribers.afterClose} (after ${first.drainSeconds.toFixed(2)} s)`, `0  ${ok(pass.allGone)}`],
    ["rss after close", mib(first.rssKiB.afterClose), ""],
    ["retained vs baseline", mib(first.rssKiB.afterClose - baseline.rssKiB), ""],
    ["rss peak (VmHWM), whole run", mib(end.peakRssKiB), ""],
    ["server cpu, whole run", `${end.cpuSeconds.toFixed(2)} s`, ""],
  ];
  const perRound = [
    ["round", "open s", "rss open", "added per stream", "rss after close", "js heap open", "js heap after close", "subscribers after close"],
    ["baseline", "", mib(baseline.rssKiB), "", "", mib(baseline.heapUsedKiB), "", ""],
    ...rounds.map((r, i) => [
      String(i + 1),
      r.openSeconds.toFixed(2),
      mib(r.rssKiB.open),
      `${r.perStreamKiB.toFixed(2)} KiB`,
      mib(r.rssKiB.afterClose),
      mib(r.heapUsedKiB.open),
      mib(r.heapUsedKiB.afterClose),
      String(r.subscribers.afterClose),
    ]),
  ];
  console.log(`\n${table(headline)}\n\n${table(perRound)}\n\njs heap: V8 heap in use (from /metrics), garbage not yet collected included.\n\nwritten to ${file}`);
  process.exit(Object.values(pass).every(Boolean) ? 0 : 1);
}

/**
 * Opens `streams` streams (`concurrency` at a time), reads the server's memory
 * and gauges, closes them all, waits for the subscriber gauge to reach 0, and
 * reads the memory again.
 */
async function round(server, opts) {
  const { port } = new URL(server.url);
  const sockets = [];
  const failures = [];
  let next = 0;
  const started = performance.now();
  const opener = async () => {
    while (next < opts.streams) {
      next++;
      try {
        sockets.push(await openStream(port));
      } catch (err) {
        failures.push(err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.streams) }, opener));
  const openSeconds = (performance.now() - started) / 1000;
  if (failures.length) console.error(`bench:idle: ${failures.length} streams failed to open, e.g. ${failures[0]}`);

  await sleep(opts.settle * 1000);
  const open = { ...server.usage(), ...(await gauges(server.url)) };
  const closedByServer = sockets.filter((s) => s.destroyed).length;

  const closeStarted = performance.now();
  for (const socket of sockets) socket.destroy();
  let after = await gauges(server.url);
  while (after.subscribers !== 0 && performance.now() - closeStarted < 10_000) {
    await sleep(50);
    after = await gauges(server.url);
  }
  const drainSeconds = (performance.now() - closeStarted) / 1000;
  await sleep(opts.settle * 1000);
  const closed = { ...server.usage(), ...(await gauges(server.url)) };
  return {
    opened: sockets.length,
    failed: failures.length,
    closedByServer,
    openSeconds: round2(openSeconds),
    drainSeconds: round2(drainSeconds),
    subscribers: { open: open.subscribers, afterClose: after.subscribers },
    rssKiB: { open: open.rssKiB, afterClose: closed.rssKiB },
    heapUsedKiB: { open: open.heapUsedKiB, afterClose: closed.heapUsedKiB },
  };
}

/** Opens one stream and resolves with its socket once the 200 head is in; whatever comes after it is read and dropped. */
function openStream(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let head = "";
    const fail = (why) => {
      socket.destroy();
      reject(new Error(why));
    };
    socket.setTimeout(30_000, () => fail("no answer within 30s"));
    socket.once("error", (err) => fail(err.code ?? err.message));
    socket.once("end", () => fail("closed by the server before its head"));
    socket.once("connect", () => socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`));
    const onHead = (bytes) => {
      head += bytes.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      if (!head.startsWith("HTTP/1.1 200")) return fail(`answered ${head.split("\r\n")[0]}`);
      socket.off("data", onHead).removeAllListeners("end").removeAllListeners("error").setTimeout(0);
      socket.on("data", () => {}); // keep-alive comments
      socket.on("error", () => {});
      resolve(socket);
    };
    socket.on("data", onHead);
  });
}

/** The subscriber gauge and the V8 heap in use, from /metrics. */
async function gauges(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name) => {
    const m = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
    if (!m) throw new Error(`no ${name} in /metrics`);
    return Number(m[1]);
  };
  return { subscribers: gauge("agentmesh_sse_subscribers"), heapUsedKiB: Math.round(gauge("agentmesh_nodejs_heap_size_used_bytes") / 1024) };
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

function mib(kib) {
  return `${(kib / 1024).toFixed(1)} MiB`;
}
