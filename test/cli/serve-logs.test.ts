/**
 * `agentmesh serve`'s log lines as real processes: readable lines on a terminal
 * (a pseudo-terminal made by `script`), JSON lines into a pipe, either one when
 * asked (`--log-format`, AGENTMESH_LOG_FORMAT), and one listening line, not
 * Fastify's and ours.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, waitFor } from "../helpers.js";
import { BIN, cli } from "./support.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function flags(): string[] {
  const dir = tempDir("agentmesh-logs-");
  dirs.push(dir);
  return ["serve", "--port", "0", "--database", `sqlite:${join(dir, "db.sqlite")}`, "--web-root", join(dir, "none")];
}

/** Until SIGINT has stopped it: everything written to stdout by `serve` started with `args` in a pipe. */
async function piped(args: string[], env: Record<string, string> = {}): Promise<string> {
  const server = cli(args, env);
  await waitFor(() => server.child.exitCode === null && /listening/.test(server.stdout), "the listening line", 20_000);
  expect(await server.stop("SIGINT")).toBe(0);
  return server.stdout;
}

/** The same on an 80-column pseudo-terminal. */
async function onTerminal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-qec", `stty cols 80; ${quoted}`, "/dev/null"], { env: { PATH: process.env.PATH ?? "", TERM: "xterm", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const closed = new Promise((resolve) => child.on("close", resolve));
  await waitFor(() => /listening/.test(out), "the listening line", 20_000);
  child.stdin.write("\x03"); // Ctrl-C, as a person at the terminal would
  await closed;
  return out.replace(/\r/g, "");
}

describe.concurrent("agentmesh serve logs", () => {
  it("on a terminal: readable lines, one of them saying where it listens", async () => {
    const out = await onTerminal(flags(), { NO_COLOR: "1" });
    const lines = out.split("\n").filter((l) => l.trim() && !l.startsWith("^C"));
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}AgentMesh listening on http:\/\/127\.0\.0\.1:\d+ \(dashboard .*\/docs\) {2}database=sqlite:/);
    expect(lines.filter((l) => l.includes("listening"))).toHaveLength(1);
    expect(out).not.toContain("{");
    expect(lines.at(-1)).toMatch(/INFO {2}stopped$/);
  });

  it("into a pipe: JSON lines, with one listening line", async () => {
    const out = await piped(flags());
    const records = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(records.filter((r) => /listening/i.test(r.msg))).toEqual([expect.objectContaining({ level: 30, msg: expect.stringMatching(/^AgentMesh listening on http/) })]);
    expect(records.at(-1).msg).toBe("stopped");
  });

  it("as asked: --log-format pretty into a pipe, AGENTMESH_LOG_FORMAT=json on a terminal", async () => {
    const [pretty, json] = await Promise.all([piped([...flags(), "--log-format", "pretty"]), onTerminal(flags(), { AGENTMESH_LOG_FORMAT: "json" })]);
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}AgentMesh listening on /);
    expect(pretty).not.toContain("\x1b["); // no colours into a pipe
    const listening = json.split("\n").filter((l) => l.includes("listening"));
    expect(listening).toHaveLength(1);
    expect(JSON.parse(listening[0]).msg).toMatch(/^AgentMesh listening on /);
  });
});
