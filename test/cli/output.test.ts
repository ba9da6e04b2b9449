/**
 * What the CLI puts on a terminal, as real processes:
 * - a registry that answers with control characters (a hostile or compromised
 *   one: the CLI trusts no server with the reader's terminal) is shown escaped in
 *   tables, `agents show`, event lines and error messages, while `--json` stays exact;
 * - at 80 columns (a pseudo-terminal made by `script`) tables and the simulator's
 *   progress line fit, and pipes get rows only;
 * - values starting with a dash are reported as invalid, and every command
 *   prefixes its errors `agentmesh <command>:`.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayWidth } from "../../src/shared/terminal.js";
import { stripAnsi } from "../../src/cli/style.js";
import { register, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { BIN, freePort, run } from "./support.js";

// Anything a terminal would act on: C0 (tab and newline aside: they lay out lines), DEL, C1, bidi controls.
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
/** Output with our own colour sequences removed must hold no control character. */
const controlIn = (s: string) => TERMINAL_CONTROL.exec(stripAnsi(s).replace(/\n/g, ""))?.[0];

const EVIL = "\x1b[2J\x1b[H\r\0\x07\x7f\x9b31m\u202e";
const at = new Date().toISOString();
const agent = {
  id: `evil${EVIL}`,
  name: `Name${EVIL}`,
  version: `1.0${EVIL}`,
  description: `desc${EVIL}`,
  endpoint: `http://x.example/${EVIL}`,
  protocol: "http",
  skills: [{ name: `skill${EVIL}`, description: `does${EVIL}`, tags: [`t${EVIL}`] }],
  tags: [`tag${EVIL}`],
  provider: `prov${EVIL}`,
  metadata: { [`k${EVIL}`]: `v${EVIL}` },
  health_status: "degraded",
  last_heartbeat_at: at,
  trust_score: 0.5,
  trust_tier: "reliable",
  revision: 3,
  created_at: at,
  updated_at: at,
};
const list = { agents: [agent], total: 1, limit: 100, offset: 0, cursor: 7 };
const health = { agent_id: agent.id, status: "degraded", last_heartbeat_at: at, history: [{ at, status: "degraded", previous_status: "healthy", message: `msg${EVIL}` }] };
const trust = { agent_id: agent.id, score: 0.5, tier: "reliable", history: [{ at, score: 0.5, tier: "reliable", reason: `why${EVIL}` }] };
const events = [
  { id: 8, type: "agent_registered", agent_id: agent.id, timestamp: at, agent },
  { id: 9, type: "agent_health_changed", agent_id: agent.id, timestamp: at, status: "degraded", previous_status: "healthy", message: `msg${EVIL}`, agent },
  { id: 10, type: "trust_score_changed", agent_id: agent.id, timestamp: at, score: 0.6, previous_score: 0.5, tier: "reliable", reason: `why${EVIL}`, agent },
  { id: 11, type: "agent_updated", agent_id: agent.id, timestamp: at, changed: [`name${EVIL}`], agent },
];

let hostile: Server;
let hostileUrl: string;
beforeAll(async () => {
  hostile = createServer((req, res) => {
    const path = new URL(req.url!, "http://x").pathname;
    const json = (status: number, body: unknown, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(JSON.stringify(body));
    };
    if (path === "/api/v1/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(events.map((e) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(""));
      return; // left open, as a live stream is
    }
    if (path === "/api/v1/agents") return json(200, list);
    if (path.endsWith("/health")) return json(200, health);
    if (path.endsWith("/trust")) return json(200, trust);
    if (path.startsWith("/api/v1/agents/nobody")) return json(404, { type: "about:blank", title: "Not Found", status: 404, code: "agent_not_found", detail: `no agent here${EVIL}` }, "application/problem+json");
    if (path.startsWith("/api/v1/agents/")) return json(200, agent);
    json(404, {});
  });
  await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});
afterAll(async () => {
  hostile.closeAllConnections();
  await new Promise((resolve) => hostile.close(resolve));
});

describe.concurrent("text from the registry on a terminal", () => {
  it("agents (table and show) shows control characters escaped, with colours on", async () => {
    const env = { AGENTMESH_URL: hostileUrl, FORCE_COLOR: "1" };
    const table = await run(["agents"], env);
    expect(table.code, table.stderr).toBe(0);
    expect(controlIn(table.stdout)).toBeUndefined();
    expect(table.stdout).toContain("Name\\x1b[2J\\x1b[H\\r\\0\\x07");
    expect((await run(["agents", "show", "whoever", "--no-color"], env)).stdout).toContain("Name\\x1b[2J\\x1b[H\\r\\0\\x07\\x7f\\x9b31m\\u202e v1.0");
    const show = await run(["agents", "show", "whoever"], env);
    expect(show.code, show.stderr).toBe(0);
    expect(controlIn(show.stdout)).toBeUndefined();
    for (const field of ["desc", "prov", "skill", "does", "msg", "why", "http://x.example/"]) expect(show.stdout).toContain(`${field}\\x1b[2J`);
  });

  it("event lines and error messages show them escaped too", async () => {
    const tail = spawn(process.execPath, [BIN, "events", "--since", "0"], { env: { PATH: process.env.PATH ?? "", AGENTMESH_URL: hostileUrl, FORCE_COLOR: "1" } });
    let out = "";
    tail.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const check = () => (out.split("\n").length > events.length ? resolve() : undefined);
      tail.stdout.on("data", check);
      tail.on("exit", () => reject(new Error(`events exited early: ${out}`)));
    });
    tail.kill("SIGTERM");
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(events.length);
    for (const line of lines) expect(controlIn(line), JSON.stringify(line)).toBeUndefined();
    expect(stripAnsi(lines[1])).toContain('"msg\\x1b[2J');

    const missing = await run(["agents", "show", "nobody"], { AGENTMESH_URL: hostileUrl });
    expect(missing.code).toBe(1);
    // One line: the CR became a space before the rest was escaped.
    expect(missing.stderr).toBe("agentmesh agents: no agent here\\x1b[2J\\x1b[H \\0\\x07\\x7f\\x9b31m\\u202e\n");
    expect(controlIn(missing.stderr)).toBeUndefined();
  });

  it("--json stays exactly what the API answered", async () => {
    const listed = await run(["agents", "--json"], { AGENTMESH_URL: hostileUrl });
    expect(JSON.parse(listed.stdout)).toEqual(list);
    const shown = await run(["agents", "show", "whoever", "--json"], { AGENTMESH_URL: hostileUrl });
    expect(JSON.parse(shown.stdout)).toEqual({ agent, health, trust });
  });
});

/** Runs `agentmesh <args>` on a pseudo-terminal of 80 columns; resolves with what the terminal received. */
function onTerminal(args: string[], env: Record<string, string>, signalAfterMs?: number): Promise<string> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const inner = signalAfterMs === undefined ? quoted : `${quoted} & P=$!; sleep ${signalAfterMs / 1000}; kill -INT $P; wait $P`;
  const child = spawn("script", ["-qec", `stty cols 80 rows 24; ${inner}`, "/dev/null"], { env: { PATH: process.env.PATH ?? "", TERM: "xterm", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  return new Promise((resolve) => child.on("close", () => resolve(out)));
}

/** The rows a terminal shows: lines, and within a line each rewrite after a carriage return. */
const screenRows = (out: string) => out.split(/\r?\n/).flatMap((l) => l.split("\r")).map((r) => r.replace(/\x1b\[2K/g, ""));

describe("at 80 columns", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ heartbeatInterval: "30m", offlineAfter: "1h" });
    for (let i = 0; i < 3; i++) {
      await register(server.url, `a-rather-long-agent-identifier-${i}`, {
        name: "An Agent With A Name Long Enough To Wrap",
        version: "10.20.30-beta.4",
        tags: ["finance", "documents", "eu-only", "experimental", "simulated"],
        protocol: "websocket",
      });
    }
  });
  afterAll(() => server.destroy());

  it("agents fits every line and keeps the footer, which a pipe does not get", async () => {
    const out = await onTerminal(["agents"], { AGENTMESH_URL: server.url });
    const rows = screenRows(out).filter((r) => r.trim() !== "");
    expect(rows.length).toBe(5); // header, 3 agents, footer
    for (const row of rows) expect(displayWidth(row), row).toBeLessThanOrEqual(80);
    expect(stripAnsi(rows[1])).toMatch(/^a-rather-long-agent-ide… /);
    expect(stripAnsi(rows[4])).toBe("1–3 of 3 agents");

    const piped = await run(["agents"], { AGENTMESH_URL: server.url });
    const lines = piped.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain("a-rather-long-agent-identifier-0");
    expect(lines[1]).toContain("10.20.30-beta…  websocket  finance,documents,eu-only,experimen…");
    expect(piped.stderr).toBe("1–3 of 3 agents\n");
  });

  it("simulate's progress line never wraps, so each rewrite replaces the last", async () => {
    const out = await onTerminal(["simulate", "--agents", "3", "--seed", "7", "--duration", "2s"], { AGENTMESH_URL: server.url });
    const rewrites = out.split("\r\x1b[2K").slice(1, -1).map((r) => r.replace(/\r?\n$/, ""));
    expect(rewrites.length).toBeGreaterThan(1);
    for (const line of rewrites) {
      expect(line).not.toContain("\n");
      expect(displayWidth(line), stripAnsi(line)).toBeLessThan(80);
    }
    expect(stripAnsi(rewrites.at(-1)!)).toMatch(/^00:0\d · \d\/3 agents · /);
    expect(out).toContain("simulation finished");
  });
});

describe.concurrent("command-line values and error prefixes", () => {
  it("a value that starts with a dash is reported as invalid, not as missing", async () => {
    const since = await run(["events", "--since", "-5"]);
    expect(since.code).toBe(2);
    expect(since.stderr).toBe('agentmesh events: --since must be a whole number ≥ 0, got "-5" (see agentmesh events --help)\n');
    const duration = await run(["simulate", "--duration", "-5s"]);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('agentmesh simulate: --duration must be a duration such as 500ms, 30s, 5m, 1h or 1m30s, got "-5s"');
    const dir = tempDir();
    try {
      const port = await run(["serve", "--port", "-5", "--database", `sqlite:${join(dir, "x.db")}`]);
      expect(port.code).toBe(1);
      expect(port.stderr).toBe('agentmesh serve: invalid --port: "-5" is not a port number (0–65535)\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serve and simulate read the same durations, 1m30s and 1d included", async () => {
    const dir = tempDir();
    try {
      // A compound duration passes the server's check; the next setting then stops start-up.
      const serve = await run(["serve", "--offline-after", "1m30s", "--history-max-age", "1d", "--sweep-interval", "soon", "--database", `sqlite:${join(dir, "x.db")}`]);
      expect(serve.stderr).toBe('agentmesh serve: invalid --sweep-interval: "soon" is not a duration such as 500ms, 30s, 5m, 1h or 1m30s\n');
      const port = await freePort();
      const sim = await run(["simulate", "--agents", "1", "--duration", "1d", "--quiet", "--url", `http://127.0.0.1:${port}`]);
      expect(sim.stderr).toContain(`agentmesh simulate: cannot reach the registry at http://127.0.0.1:${port}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every command prefixes its errors with its name", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const results = await Promise.all([
      run(["agents", "--url", url]),
      run(["events", "--url", url]),
      run(["simulate", "--agents", "1", "--quiet", "--url", url]),
      run(["serve", "--log-format", "loud"]),
      run(["agents", "--limit", "0"]),
    ]);
    const names = ["agents", "events", "simulate", "serve", "agents"];
    results.forEach((r, i) => expect(r.stderr.trim().split("\n").at(-1)).toMatch(new RegExp(`^agentmesh ${names[i]}: `)));
    expect(results[3].stderr).toBe('agentmesh serve: invalid --log-format: "loud" is not one of auto, json, pretty\n');
  });
});
