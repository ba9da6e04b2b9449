/**
 * The agents page at fleet scale, in real Chromium (playwright-core, the
 * system's Chromium) against `agentmesh serve` on a SQLite file seeded with
 * N agents in one transaction (test/e2e/support/seed.ts; nothing heartbeats
 * for them, so the server runs with --offline-after 1h). For each size:
 *
 *   first rows   navigation start → the first agent row in the DOM
 *   heap         JS heap in use after the page settled (CDP Runtime.getHeapUsage, after a GC)
 *   new agent    POST /agents of an agent that sorts first → its row in the DOM (median of --repeats)
 *   scroll       long tasks (> 50 ms) while the table is scrolled top → bottom over ~3 s
 *   typing       long tasks while a search is typed (one key per 60 ms), and the time until its rows show
 *
 *   npm run bench:dashboard -- [--agents 20000,100000] [--repeats 5] [--out FILE]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launch } from "../test/e2e/support/browser.js";
import { seedFleet } from "../test/e2e/support/seed.js";
// @ts-expect-error plain ESM helpers shared by the benches
import { guard, machine, machineBusySeconds, parseFlags, revision, startServer, table, writeResult } from "./lib/server.mjs";

const USAGE = `Usage: npm run bench:dashboard -- [flags]

  --agents LIST   fleet sizes, comma-separated (default 20000,100000)
  --repeats N     new-agent measurements per size; the median is reported (default 5)
  --timeout S     give up after this long (default 900)
  --out FILE      result file (default bench/results/<yyyymmdd>-dashboard.json)
`;

const opts = parseFlags(process.argv.slice(2), { agents: "20000,100000", repeats: 5, timeout: 900, out: "" }, USAGE) as { agents: string; repeats: number; timeout: number; out: string };
guard({ timeoutSeconds: opts.timeout, name: "bench:dashboard" });
const sizes = String(opts.agents).split(",").map(Number);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const MiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Long tasks the page reported since the last call (PerformanceObserver installed before load). */
async function takeLongTasks(page: Page): Promise<{ count: number; maxMs: number; blockingMs: number }> {
  return page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    const tasks = w.__long.splice(0);
    return { count: tasks.length, maxMs: Math.round(Math.max(0, ...tasks)), blockingMs: Math.round(tasks.reduce((s, d) => s + Math.max(0, d - 50), 0)) };
  });
}

async function measure(size: number) {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-bench-dashboard-"));
  const file = join(dir, "fleet.db");
  const seedStart = Date.now();
  await seedFleet(file, size);
  const seedMs = Date.now() - seedStart;
  const server = await startServer({ database: `sqlite:${file}`, flags: { "rate-limit": 0, "offline-after": "1h" } });
  const browser = await launch({ width: 1400, height: 900 });
  try {
    const page = browser.page;
    await page.addInitScript(() => {
      const w = window as unknown as { __long: number[] };
      w.__long = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: "longtask", buffered: true });
    });
    const start = Date.now();
    await page.goto(server.url);
    await page.locator('[data-testid="agent-row"]').first().waitFor({ timeout: 60_000 });
    const firstRowsMs = Date.now() - start;
    await page.locator('[data-testid="connection"][data-status="live"]').waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelector('[data-testid="total-all"]')?.textContent === String(n), size, { timeout: 60_000 });
    const loadTasks = await takeLongTasks(page);
    const domRows = await page.locator('[data-testid="agent-row"]').count();

    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number; totalSize: number };
    process.stderr.write(`  ${size}: first rows ${firstRowsMs} ms, heap ${MiB(heap.usedSize)} MiB, ${domRows} rows in the DOM\n`);

    // A new agent that sorts first (names A→Z; seeded names are lower case).
    const newAgentMs: number[] = [];
    for (let k = 0; k < opts.repeats; k++) {
      const id = `aaa-bench-${k}`;
      const seen = page.waitForSelector(`[data-testid="agent-row"][data-agent-id="${id}"]`, { timeout: 30_000 }).then(() => Date.now());
      seen.catch(() => {}); // Awaited below; a failed registration must not leave it unhandled.
      const sent = Date.now();
      const res = await fetch(`${server.url}/api/v1/agents`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id, name: `AAA bench ${k}`, version: "1.0.0", description: "bench newcomer", endpoint: "https://bench.example/a2a", protocol: "a2a", skills: [], tags: [] }),
      });
      if (!res.ok) throw new Error(`register answered ${res.status}: ${await res.text()}`);
      newAgentMs.push((await seen) - sent);
    }

    // Scroll top → bottom in 60 steps, one per animation frame batch, while rows are fetched as they come into view.
    await takeLongTasks(page);
    await page.evaluate(async () => {
      const el = document.querySelector<HTMLElement>('[data-testid="agents-scroll"]')!;
      for (let i = 1; i <= 60; i++) {
        el.scrollTop = (el.scrollHeight * i) / 60;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await page.locator('[data-testid="agent-row"]').first().waitFor();
    const scrollTasks = await takeLongTasks(page);
    const rowsAfterScroll = await page.locator('[data-testid="agent-row"]').count();

    // Type a search; the deferred value and the server answer it.
    const box = page.getByLabel("Search agents");
    const typed = Date.now();
    process.stderr.write(`  ${size}: first rows ${firstRowsMs} ms, heap ${MiB(heap.usedSize)} MiB, ${domRows} rows in the DOM, new agent ${median(newAgentMs)} ms, scroll long tasks ${scrollTasks.count} (max ${scrollTasks.maxMs} ms)\n`);
    await box.pressSequentially("vision agent 4", { delay: 60, timeout: 120_000 });
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="agent-name"]')];
      return rows.length > 0 && rows.every((r) => r.textContent?.toLowerCase().includes("vision agent 4"));
    }, undefined, { timeout: 30_000 }).catch(async (err) => {
      const shown = await page.locator('[data-testid="agent-name"]').allTextContents();
      throw new Error(`the search's rows did not show; on screen: ${shown.slice(0, 5).join(", ")} (${shown.length} rows; url ${page.url()})`, { cause: err });
    });
    const searchMs = Date.now() - typed;
    const typingTasks = await takeLongTasks(page);
    return { size, seedMs, firstRowsMs, heapUsedMiB: MiB(heap.usedSize), heapTotalMiB: MiB(heap.totalSize), domRows, rowsAfterScroll, newAgentMs: median(newAgentMs), newAgentAllMs: newAgentMs, loadTasks, scrollTasks, typingTasks, searchMs };
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const busyBefore = machineBusySeconds();
const wallBefore = Date.now();
const results = [];
for (const size of sizes) {
  process.stderr.write(`bench:dashboard: ${size} agents…\n`);
  results.push(await measure(size));
}
const wallSeconds = (Date.now() - wallBefore) / 1000;
const env = machine();
const busyCores = Math.round(((machineBusySeconds() - busyBefore) / wallSeconds) * 100) / 100;

console.log(
  table([
    ["agents", "first rows", "heap used", "rows in DOM", "new agent shown", "long tasks: load", "scroll", "typing", "search shown"],
    ...results.map((r) => [
      r.size,
      `${r.firstRowsMs} ms`,
      `${r.heapUsedMiB} MiB`,
      `${r.domRows} / ${r.rowsAfterScroll}`,
      `${r.newAgentMs} ms`,
      `${r.loadTasks.count} (max ${r.loadTasks.maxMs} ms)`,
      `${r.scrollTasks.count} (max ${r.scrollTasks.maxMs} ms)`,
      `${r.typingTasks.count} (max ${r.typingTasks.maxMs} ms)`,
      `${r.searchMs} ms`,
    ]),
  ]),
);
console.log(`machine: ${env.cpus} × ${env.cpuModel}, load average ${env.loadAverage.join(" ")}, ${busyCores} cores busy on average during the run`);
const file = writeResult("dashboard", opts.out, { machine: env, busyCores, revision: revision(), results });
console.log(`written: ${file}`);
process.exit(0);
