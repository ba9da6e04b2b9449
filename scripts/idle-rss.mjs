#!/usr/bin/env node
// An idle server's resident memory, as docs/benchmarks.md ("Idle memory") records it:
// starts `agentmesh serve` on a temporary SQLite file, with no client, reads VmRSS
// (Linux /proc) after a few seconds, and prints the median of several starts.
// Node flags go through NODE_OPTIONS, server flags after `--`.
//
//   node scripts/idle-rss.mjs [--runs 3] [--wait 5] [-- --web-root /nowhere]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const own = dash === -1 ? argv : argv.slice(0, dash);
const serverFlags = dash === -1 ? [] : argv.slice(dash + 1);
const flag = (name, fallback) => {
  const i = own.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(own[i + 1]);
};
const runs = flag("runs", 3);
const waitMs = flag("wait", 5) * 1000;

const samples = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-idle-rss-"));
  const child = spawn(process.execPath, [join(root, "bin", "agentmesh.js"), "serve", "--port", "0", "--log-level", "warn", "--database", `sqlite:${join(dir, "idle.db")}`, ...serverFlags], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const early = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), waitMs))]);
  if (early) {
    rmSync(dir, { recursive: true, force: true });
    console.error("idle-rss: the server exited before it was measured");
    process.exit(1);
  }
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  samples.push({ rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)[1]), threads: Number(/Threads:\s+(\d+)/.exec(status)[1]) });
  child.kill("SIGTERM");
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
const mib = (kib) => (kib / 1024).toFixed(1);
const sorted = samples.map((s) => s.rssKiB).sort((a, b) => a - b);
console.log(`idle RSS after ${waitMs / 1000} s: median ${mib(sorted[Math.floor(sorted.length / 2)])} MiB (${samples.map((s) => mib(s.rssKiB)).join(", ")}), ${samples[0].threads} threads`);
