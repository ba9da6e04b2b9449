/**
 * Shared pieces of the benchmarks: a fresh production server as a child
 * process (temporary SQLite file, any free 127.0.0.1 port), its CPU time and
 * memory read from /proc, the open-file limit raised for scripts that hold
 * many sockets, a watchdog, flags, and the result file and table.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "bin/agentmesh.js");

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on every Linux Node supports). */
const CLK_TCK = 100;

/** Servers started and not stopped yet: killed (and their databases removed) however the script ends. */
const live = new Set();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `agentmesh serve` on a fresh SQLite file (or on `database`, e.g. a
 * PostgreSQL URL). `flags` are serve flags as an object (`{ "rate-limit": 0 }`),
 * `extraArgs` more serve arguments as words, `nodeArgs` go to node itself
 * (e.g. `--cpu-prof`). Resolves once /healthz answers; `stop()` sends SIGTERM
 * (SIGKILL after 15 s) and removes the temporary database.
 */
export async function startServer({ flags = {}, database, extraArgs = [], nodeArgs = [], startTimeoutMs = 20_000 } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), "agentmesh-bench-"));
  const args = [
    ...nodeArgs,
    CLI,
    "serve",
    "--port", "0",
    "--host", "127.0.0.1",
    "--database", database ?? `sqlite:${join(dir, "bench.db")}`,
    // info is the production default and logs only start and stop; the start line carries the URL.
    "--log-level", "info",
    ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let exited = null;
  const exit = new Promise((r) => child.once("exit", (code, signal) => r((exited = { code, signal }))));
  const entry = { child, dir };
  live.add(entry);
  exit.then(() => live.delete(entry));

  let log = "";
  let announce;
  const announced = new Promise((r) => (announce = r));
  const onLine = (line) => {
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      process.stderr.write(`server: ${line}\n`);
      return;
    }
    if (record.url && /listening/.test(record.msg ?? "")) return announce(record.url);
    if (record.level >= 40) process.stderr.write(`server: ${line}\n`); // warnings and errors
  };
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (text) => {
      log = (log + text).slice(-8192);
      const lines = (rest + text).split("\n");
      rest = lines.pop();
      for (const line of lines) if (line.trim()) onLine(line);
    });
  }

  const failed = (why) => new Error(`server ${why}; its last output:\n${log.trim() || "(none)"}`);
  let url;
  try {
    url = await Promise.race([
      announced,
      exit.then(() => Promise.reject(failed(`exited (${exited.code ?? exited.signal}) before listening`))),
      sleep(startTimeoutMs).then(() => Promise.reject(failed(`did not start within ${startTimeoutMs / 1000}s`))),
    ]);
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw failed(`announced an unexpected URL ${url}`);
    const health = await fetch(`${url}/healthz`);
    if (!health.ok) throw failed(`answered /healthz with ${health.status}`);
  } catch (err) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    pid: child.pid,
    url,
    usage: () => processUsage(child.pid),
    async stop() {
      if (!exited) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exit;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
      return exited;
    },
  };
}

/**
 * Node cannot raise its own open-file limit, so a script that needs many
 * sockets runs itself again under a shell that lifts the soft limit to the
 * hard one (servers it starts inherit it), then runs `main` there.
 * AGENTMESH_BENCH_NOFILE tells the second run the limit it got.
 */
export async function raiseFileLimit(scriptUrl, main) {
  if (process.env.AGENTMESH_BENCH_NOFILE) return main();
  const script = 'ulimit -n "$(ulimit -Hn)" && AGENTMESH_BENCH_NOFILE="$(ulimit -n)" exec "$0" "$@"';
  const argv = [process.execPath, ...process.execArgv, fileURLToPath(scriptUrl), ...process.argv.slice(2)];
  const child = spawn("bash", ["-c", script, ...argv], { stdio: "inherit" });
  // Ctrl-C reaches the child as well (same process group); it cleans up and exits.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  const code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal === "SIGINT" ? 130 : 1))));
  process.exit(code);
}

/** The open-file limit the script runs under (after raiseFileLimit), or Infinity when unknown/unlimited. */
export function fileLimit() {
  const n = Number(process.env.AGENTMESH_BENCH_NOFILE);
  return Number.isFinite(n) && n > 0 ? n : Infinity;
}

/** Kills every server still running and removes its database (synchronous, safe in an `exit` handler). */
export function killServers() {
  for (const { child, dir } of live) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU seconds (user + system) and memory (KiB: current RSS and its peak) of a
 * process, from /proc.
 */
export function processUsage(pid) {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { cpuSeconds, rssKiB: kib("VmRSS"), peakRssKiB: kib("VmHWM") };
}

/**
 * CPU seconds the whole machine has spent busy (all cores, from /proc/stat):
 * compared with the server's and the load generator's own, it shows whether
 * something else ran during a measurement.
 */
export function machineBusySeconds() {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks; // idle and iowait are not busy
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/** Exits the process on Ctrl-C, SIGTERM, an overall time limit or a crash, always taking the servers down with it. */
export function guard({ timeoutSeconds, name }) {
  const die = (code, message) => {
    if (message) process.stderr.write(`${name}: ${message}\n`);
    killServers();
    process.exit(code);
  };
  process.on("exit", killServers);
  process.once("SIGINT", () => die(130, "interrupted"));
  process.once("SIGTERM", () => die(143, "terminated"));
  process.on("uncaughtException", (err) => die(1, err.stack ?? String(err)));
  process.on("unhandledRejection", (err) => die(1, err?.stack ?? String(err)));
  setTimeout(() => die(2, `gave up after ${timeoutSeconds}s (watchdog)`), timeoutSeconds * 1000).unref();
  return die;
}

/** Reads `--name value` flags against defaults; numbers stay numbers. Exits with usage on anything unknown. */
export function parseFlags(argv, defaults, usage) {
  const values = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (argv[i] === "--help" || argv[i] === "-h") {
      process.stdout.write(usage);
      process.exit(0);
    }
    if (!m || !(m[1] in defaults)) {
      process.stderr.write(`unknown argument ${argv[i]}\n\n${usage}`);
      process.exit(64);
    }
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) {
      process.stderr.write(`--${m[1]} needs a value\n\n${usage}`);
      process.exit(64);
    }
    const wanted = typeof defaults[m[1]] === "number";
    if (wanted && !Number.isFinite(Number(raw))) {
      process.stderr.write(`--${m[1]} must be a number, got ${raw}\n`);
      process.exit(64);
    }
    values[m[1]] = wanted ? Number(raw) : raw;
  }
  return values;
}

/** bench/results/<yyyymmdd>-<name>.json unless `out` says otherwise; writes `data` there and returns the path. */
export function writeResult(name, out, data) {
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "");
  const file = resolve(out || join(ROOT, "bench/results", `${day}-${name}.json`));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** A plain-text table: `rows` are arrays of cells, the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("  ");
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** The machine, as far as the numbers depend on it (no host names or paths). */
export function machine() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** The commit measured, and whether src/ or bin/ had changes not committed yet (then the numbers are not quite that commit's). */
export function revision() {
  const git = (...args) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return { commit: git("rev-parse", "--short=12", "HEAD"), srcModified: git("status", "--porcelain", "--", "src", "bin").length > 0 };
  } catch {
    return null;
  }
}
