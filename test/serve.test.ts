/**
 * `agentmesh serve` as a real process: start-up validation, the default SQLite
 * file, and graceful shutdown on SIGTERM. Uses the built CLI (built if stale).
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN } from "./cli/support.js"; // and builds the CLI if it is stale
import { tempDir, waitFor } from "./helpers.js";


function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "", code: null as number | null };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve((out.code = code ?? -1))));
  return { child, out, exited };
}

describe("agentmesh serve", () => {
  it("a bad value stops start-up with one line naming the setting (flag or variable)", async () => {
    const dir = tempDir();
    const bad = run(["serve", "--offline-after", "soon"], dir);
    expect(await bad.exited).toBe(1);
    expect(bad.out.stderr.trim()).toBe('agentmesh serve: invalid --offline-after: "soon" is not a duration such as 500ms, 30s, 5m, 1h or 1m30s');
    const badEnv = run(["serve"], dir, { AGENTMESH_PORT: "http" });
    expect(await badEnv.exited).toBe(1);
    expect(badEnv.out.stderr).toContain("invalid --port");
    const unknown = run(["serve", "--colour", "red"], dir);
    expect(await unknown.exited).toBe(2); // a usage error, like the other commands'
    expect(unknown.out.stderr.trim()).toBe("agentmesh serve: unknown option --colour (see agentmesh serve --help)");
    const missing = run(["serve", "--port"], dir);
    expect(await missing.exited).toBe(2);
    expect(missing.out.stderr.trim()).toBe("agentmesh serve: option --port needs a value (see agentmesh serve --help)");
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves on the default ./data/agentmesh.db and shuts down cleanly on SIGTERM", async () => {
    const dir = tempDir();
    const server = run(["serve", "--port", "0", "--log-level", "info"], dir);
    const url = await waitFor(() => /AgentMesh listening on (http:\/\/[\d.:]+)/.exec(server.out.stdout)?.[1], "the listening line");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/healthz`).then((r) => r.json());
    expect(health).toEqual({ status: "ok" });
    expect(existsSync(join(dir, "data", "agentmesh.db"))).toBe(true);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.out.stdout).toContain('"msg":"stopped"');
    rmSync(dir, { recursive: true, force: true });
  });
});
