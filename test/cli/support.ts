/**
 * Running the built `agentmesh` binary as a real process, and a server as a
 * real process too (for tests that kill and restart it under a running CLI).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ensureBuilt } from "../../scripts/ensure-built.mjs";
import { waitFor } from "../helpers.js";

export const BIN = join(import.meta.dirname, "..", "..", "bin", "agentmesh.js");
const BUILT = join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");

// `npm test` has built already; a direct `vitest run` of one file may not have.
// Here, while the file is loaded, so a build never eats into a test's timeout.
ensureBuilt({ web: false, quiet: true });

export interface CliProcess {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number>;
  /** Complete stdout lines so far. */
  lines(): string[];
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `agentmesh <args>` with a clean environment (no AGENTMESH_* from the caller). */
export function cli(args: string[], env: Record<string, string> = {}): CliProcess {
  if (!existsSync(BUILT)) throw new Error("dist/cli/main.js is missing: run `npm run build:server` (npm test does it)");
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const p: CliProcess = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : -1)))),
    lines: () => p.stdout.split("\n").slice(0, -1),
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return p.exited;
    },
  };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (p.stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (p.stderr += d));
  return p;
}

/** Runs `agentmesh <args>` to completion. */
export async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = cli(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `agentmesh serve` as a separate process on a fixed port and SQLite file; resolves once it answers. */
export async function serveProcess(port: number, dbFile: string, extra: string[] = []): Promise<CliProcess> {
  const server = cli(["serve", "--port", String(port), "--database", `sqlite:${dbFile}`, "--log-level", "warn", "--rate-limit", "0", "--web-root", join(dbFile, "..", "no-web"), ...extra]);
  await waitFor(async () => {
    if (server.child.exitCode !== null) throw new Error(`the server exited: ${server.stderr}`);
    return fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
  }, "the server process to answer", 15_000);
  return server;
}
