/**
 * Real AgentMesh processes (`node bin/agentmesh.js serve`) on one PostgreSQL
 * schema: what the scale-out tests run against. Each instance listens on a
 * free port (`--port 0`) and reports its URL in its start-up log line.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ADMIN = "admin-token-0123456789abcdef";

export interface Instance {
  url: string;
  pid: number;
  /** Everything the process printed (for failure messages). */
  output: string[];
  exited: Promise<number | null>;
  /** SIGKILL: no shutdown at all, as in a crash. */
  crash(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

let built: Promise<void> | null = null;

/** `npm test` builds first; a direct `vitest run` of these files builds here if dist/ is older than src/ (one build at a time across workers). */
export function ensureServerBuilt(): Promise<void> {
  built ??= (async () => {
    const target = join(ROOT, "dist", "cli", "main.js");
    const fresh = () => existsSync(target) && statSync(target).mtimeMs >= newest(join(ROOT, "src"));
    if (fresh()) return;
    const lock = join(tmpdir(), "agentmesh-build.lock");
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch {
        if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    try {
      if (!fresh()) spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: ROOT, stdio: "ignore" });
    } finally {
      rmdirSync(lock);
    }
    if (!existsSync(target)) throw new Error("the server is not built: run npm run build:server");
  })();
  return built;
}

export async function startInstance(database: string, flags: Record<string, string> = {}): Promise<Instance> {
  await ensureServerBuilt();
  const args = {
    port: "0",
    database,
    "log-level": "info",
    "rate-limit": "0",
    "db-pool-size": "4",
    "admin-token": ADMIN,
    "web-root": join(ROOT, "test", "scale", "no-web"),
    ...flags,
  };
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AGENTMESH_")));
  const proc: ChildProcess = spawn(process.execPath, [join(ROOT, "bin", "agentmesh.js"), "serve", ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  createInterface({ input: proc.stderr! }).on("line", (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) resolve(entry.url);
      } catch {
        /* not a log line */
      }
    });
    void exited.then((code) => reject(new Error(`agentmesh serve exited (${code}) before listening:\n${output.join("\n")}`)));
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await exited;
  };
  return { url, pid: proc.pid!, output, exited, crash: () => signal("SIGKILL"), stop: () => signal("SIGTERM") };
}

/** Starts `n` instances at once (so their migrations race, as in a real roll-out). */
export function startCluster(n: number, database: string, flags: Record<string, string> = {}): Promise<Instance[]> {
  return Promise.all(Array.from({ length: n }, () => startInstance(database, flags)));
}

export async function stopAll(instances: Instance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.crash()));
}
