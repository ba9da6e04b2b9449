/**
 * The CLI as a real process against a real server: help, exit codes and the
 * one-line reasons, `agents` tables and JSON, `events` lines and JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, register, startTestServer, waitFor, type TestServer } from "../helpers.js";
import { logAfter } from "../sdk/support.js";
import { cli, freePort, run } from "./support.js";

let server: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  // Long health timings: nothing goes offline while the suite runs.
  server = await startTestServer({ heartbeatInterval: "30m", offlineAfter: "1h" });
  env = { AGENTMESH_URL: server.url };
  const a = await register(server.url, "cli-alpha", { tags: ["nlp"], name: "Alpha" });
  await register(server.url, "cli-beta", { name: "Beta" });
  await api(server.url, "POST", "/api/v1/agents/cli-alpha/heartbeat", { status: "degraded", message: "slow" }, a);
});
afterAll(() => server.destroy());

const oneLine = (s: string) => s.trim().split("\n").length === 1;

describe.concurrent("help and usage errors", () => {
  it.each(["events", "agents", "simulate", "serve", "probe"])("%s --help prints flags and examples", async (command) => {
    const r = await run([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(command === "serve" ? "--demo" : "Examples:");
    expect(r.stdout).toContain("--");
  });

  it("top-level help, version, and an unknown command", async () => {
    expect((await run(["--help"])).stdout).toContain("Commands:");
    expect((await run(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const r = await run(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it("a bad flag or value exits 2 with one line", async () => {
    const cases = [["events", "--bogus"], ["agents", "--sort", "age"], ["events", "--types", "nope"], ["simulate", "--agents", "0"], ["events", "--since", "-1"], ["agents", "--url", "ftp://x"]];
    const results = await Promise.all(cases.map((args) => run(args, env)));
    results.forEach((r, i) => {
      expect(r.code, cases[i].join(" ")).toBe(2);
      expect(oneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(/^agentmesh \w+: .+\(see agentmesh \w+ --help\)\n$/);
    });
    expect((await run(["events", "--bogus"])).stderr).toContain("unknown option --bogus");
  });

  it("an unreachable server exits 1 with one line", async () => {
    const port = await freePort();
    const commands = ["agents", "events", "simulate"];
    const results = await Promise.all(commands.map((command) => run([command, "--url", `http://127.0.0.1:${port}`, ...(command === "simulate" ? ["--agents", "1", "--quiet"] : [])])));
    for (const [i, command] of commands.entries()) {
      const r = results[i];
      expect(r.code, command).toBe(1);
      expect(r.stderr.trim().split("\n").at(-1)).toContain(`cannot reach the registry at http://127.0.0.1:${port}`);
      if (command !== "simulate") expect(oneLine(r.stderr)).toBe(true);
    }
  });

  it("a missing or wrong token exits 1 with one line saying so", async () => {
    const locked = await startTestServer({ readToken: "read-token-0123456789" });
    try {
      const missing = await run(["agents", "--url", locked.url]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe("agentmesh agents: the registry requires a token (401 unauthorized): pass --token or set AGENTMESH_TOKEN\n");
      const wrong = await run(["events", "--url", locked.url, "--token", "not-the-token-at-all"]);
      expect(wrong.code).toBe(1);
      expect(oneLine(wrong.stderr)).toBe(true);
      expect(wrong.stderr).toContain("refused the token");
      const ok = await run(["agents", "--json"], { AGENTMESH_URL: locked.url, AGENTMESH_TOKEN: "read-token-0123456789" });
      expect(ok.code).toBe(0);
    } finally {
      await locked.destroy();
    }
  });
});

describe.concurrent("agentmesh agents", () => {
  it("prints a table with filters and sort", async () => {
    const r = await run(["agents", "--no-color"], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+HEALTH\s+TRUST\s+HEARTBEAT\s+VERSION\s+PROTOCOL\s+TAGS$/);
    expect(lines[1]).toMatch(/^cli-alpha\s+Alpha\s+degraded\s+0\.\d\d \w+\s+\d+s ago\s+1\.0\.0\s+http\s+nlp$/);
    expect(lines[2]).toMatch(/^cli-beta\s+Beta\s+unknown\s+0\.50 reliable\s+never/);
    // A pipe gets the header and the rows; the footer is for the person, on stderr.
    expect(lines).toHaveLength(3);
    expect(r.stderr).toBe("1–2 of 2 agents\n");
    expect(r.stdout).not.toContain("\x1b[");

    const degraded = await run(["agents", "--health", "degraded"], env);
    expect(degraded.stdout).toContain("cli-alpha");
    expect(degraded.stdout).not.toContain("cli-beta");
    const sorted = await run(["agents", "--sort", "name", "--order", "desc", "--limit", "1"], env);
    expect(sorted.stdout).toContain("cli-beta");
    expect(sorted.stderr).toContain("1–1 of 2 agents (next page: --offset 1)");
    const none = await run(["agents", "--tag", "none-such"], env);
    expect(none.stdout).toBe("");
    expect(none.stderr).toBe("no agents match\n");
  });

  it("colours when forced, and --json prints the API's answer", async () => {
    expect((await run(["agents"], { ...env, FORCE_COLOR: "1" })).stdout).toContain("\x1b[33mdegraded");
    const r = await run(["agents", "--json", "--search", "alpha"], env);
    const list = JSON.parse(r.stdout);
    expect(list).toMatchObject({ total: 1, limit: 100, offset: 0, agents: [{ id: "cli-alpha", health_status: "degraded" }] });
    expect(list.cursor).toBeGreaterThan(0);
  });

  it("shows one agent, and says when there is none", async () => {
    const r = await run(["agents", "show", "cli-alpha"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cli-alpha {2}Alpha v1\.0\.0/);
    expect(r.stdout).toContain('unknown → degraded  "slow"');
    expect(r.stdout).toContain("echo");
    const json = JSON.parse((await run(["agents", "show", "cli-alpha", "--json"], env)).stdout);
    expect(json.agent.id).toBe("cli-alpha");
    expect(json.health.status).toBe("degraded");
    expect(json.trust.agent_id).toBe("cli-alpha");
    const missing = await run(["agents", "show", "nobody"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('agentmesh agents: no agent with id "nobody"\n');
  });
});

describe("agentmesh events", () => {
  it("--json prints every event once, in order, as parseable lines; SIGTERM exits 0", async () => {
    const tail = cli(["events", "--since", "0", "--json"], env);
    const token = await register(server.url, "cli-gamma");
    await api(server.url, "POST", "/api/v1/agents/cli-gamma/heartbeat", { status: "unhealthy" }, token);
    await api(server.url, "DELETE", "/api/v1/agents/cli-gamma", undefined, token);
    const log = await logAfter(server.url, 0);
    await waitFor(() => tail.lines().length >= log.length, "the tail to catch up");
    const events = tail.lines().map((l) => JSON.parse(l));
    expect(events.map((e) => e.id)).toEqual(log.map((e) => e.id));
    expect(events.at(-1)).toMatchObject({ type: "agent_deregistered", agent_id: "cli-gamma" });
    expect(await tail.stop("SIGTERM")).toBe(0);
    expect(tail.stderr).toContain("connected to");
  });

  it("prints readable lines, filtered by type and agent", async () => {
    const tail = cli(["events", "--types", "health", "--agent", "cli-delta"], env);
    await waitFor(() => tail.stderr.includes("connected"), "the tail to connect");
    const token = await register(server.url, "cli-delta");
    const other = await register(server.url, "cli-epsilon");
    await api(server.url, "POST", "/api/v1/agents/cli-epsilon/heartbeat", {}, other);
    await api(server.url, "POST", "/api/v1/agents/cli-delta/heartbeat", { status: "degraded", message: "queue backlog" }, token);
    await waitFor(() => tail.lines().length >= 1, "a health line");
    expect(tail.lines()[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}\s+#\d+\s+health\s+cli-delta\s+unknown → degraded {2}"queue backlog"$/);
    expect(await tail.stop("SIGINT")).toBe(0);
    expect(tail.lines()).toHaveLength(1);
  });

  it("says on stderr when it had to reset, then goes on live", async () => {
    const tail = cli(["events", "--since", "999999999", "--json"], env);
    await waitFor(() => tail.stderr.includes("could not resume"), "the reset notice");
    expect(tail.stderr).toContain("event #999999999 is unknown to this server");
    await register(server.url, "cli-zeta");
    await waitFor(() => tail.lines().some((l) => l.includes('"cli-zeta"')), "a live event after the reset");
    const [reset] = tail.lines().map((l) => JSON.parse(l));
    expect(reset).toMatchObject({ type: "reset", reason: "unknown_event_id", requested: 999999999 });
    await tail.stop();
  });
});


