/**
 * Real AgentMesh processes (`node bin/agentmesh.js serve`) on one PostgreSQL
 * schema: what the scale-out tests run against. Each instance listens on a
 * free port (`--port 0`) and reports its URL in its start-up log line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ensureBuilt } from "../../scripts/ensure-built.mjs";
import { ADMIN } from "../helpers.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

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

/** `npm test` builds first; a direct `vitest run` of these files builds here if dist/ is stale (scripts/ensure-built.mjs, one build at a time across workers). */
export async function ensureServerBuilt(): Promise<void> {
  ensureBuilt({ web: false, quiet: true });
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("the server is not built: run npm run build:server");
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
