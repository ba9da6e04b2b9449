/**
 * Bad input, run against a real SQLite file and a real PostgreSQL schema over
 * real HTTP: every case must get the same status and problem code from both
 * stores, name the field at fault, and change nothing (agents, events, health
 * and trust history as before). Then the inputs that sit right at the rules'
 * edges must be accepted by both, identically.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, api, card, register, startTestServer, type TestServer } from "../helpers.js";
import { createSchema, type TestSchema } from "../scale/pg.js";
import { send as sendRaw } from "./support.js";

interface Target {
  store: "sqlite" | "postgres";
  server: TestServer;
  tokens: { victim: string; reporter: string; admin: string };
}

let pgSchema: TestSchema;
const targets: Target[] = [];

beforeAll(async () => {
  pgSchema = await createSchema();
  const servers = [await startTestServer(), await startTestServer({ database: pgSchema.url })];
  for (const [i, server] of servers.entries()) {
    const victim = await register(server.url, "victim", { metadata: { region: "eu" }, provider: "acme" });
    const reporter = await register(server.url, "reporter");
    targets.push({ store: i === 0 ? "sqlite" : "postgres", server, tokens: { victim, reporter, admin: ADMIN } });
  }
}, 60_000);

afterAll(async () => {
  for (const t of targets) await t.server.destroy();
  await pgSchema?.drop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

function send(base: string, method: string, path: string, body?: string, token?: string): Promise<Answer> {
  return sendRaw(base, method, path, token ? { authorization: `Bearer ${token}` } : {}, body === undefined ? undefined : { raw: body });
}

/** Everything a rejected request could have touched. */
async function snapshot(base: string) {
  const [agents, stats, health, trust] = await Promise.all([
    api(base, "GET", "/api/v1/agents?limit=1000"),
    api(base, "GET", "/api/v1/stats"),
    api(base, "GET", "/api/v1/agents/victim/health"),
    api(base, "GET", "/api/v1/agents/victim/trust"),
  ]);
  return { agents: agents.body.agents, last: stats.body.events.last_id, health: health.body, trust: trust.body };
}

const json = (value: unknown) => JSON.stringify(value);
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
/** A register body whose metadata is written as raw JSON (too deep for a comfortable JSON.stringify). */
const withRawMetadata = (id: string, metadata: string) => json(card(id)).replace(/}$/, `,"metadata":${metadata}}`);

type Auth = keyof Target["tokens"];
interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  auth?: Auth;
  status: number;
  code: string;
  field?: string;
  allow?: string;
}

const NUL = "\u0000";
const reg = (name: string, body: string, field: string): Case => ({ name, method: "POST", path: "/api/v1/agents", body, status: 400, code: "validation_failed", field });
const patch = (name: string, body: unknown, field: string): Case => ({ name, method: "PATCH", path: "/api/v1/agents/victim", body: json(body), auth: "admin", status: 400, code: "validation_failed", field });
const query = (name: string, path: string, field: string, code = "validation_failed"): Case => ({ name, method: "GET", path, status: 400, code, field });
const wrongMethod = (method: string, path: string, allow: string): Case => ({ name: `${method} ${path}`, method, path, status: 405, code: "method_not_allowed", allow });

const cases: Case[] = [
  // Control characters: none in single-line fields, only tab and newline in free text.
  reg("NUL in the id", json(card(`nul${NUL}id`)), "body.id"),
  reg("NUL in the name", json(card("c1", { name: `a${NUL}b` })), "body.name"),
  reg("NUL in the version", json(card("c2", { version: `1${NUL}` })), "body.version"),
  reg("NUL in the description", json(card("c3", { description: `x${NUL}y` })), "body.description"),
  reg("NUL in the provider", json(card("c4", { provider: `acme${NUL}` })), "body.provider"),
  reg("NUL in a tag", json(card("c5", { tags: ["ok", `t${NUL}`] })), "body.tags[1]"),
  reg("NUL in a skill name", json(card("c6", { skills: [{ name: `s${NUL}`, description: "" }] })), "body.skills[0].name"),
  reg("NUL in a skill description", json(card("c7", { skills: [{ name: "s", description: `d${NUL}` }] })), "body.skills[0].description"),
  reg("NUL in a skill tag", json(card("c8", { skills: [{ name: "s", description: "", tags: [`t${NUL}`] }] })), "body.skills[0].tags[0]"),
  reg("NUL in the endpoint", json(card("c9", { endpoint: `http://a.example/${NUL}` })), "body.endpoint"),
  reg("ESC in the name (terminal escape)", json(card("c10", { name: "\u001b[31mred" })), "body.name"),
  reg("ESC in the description", json(card("c11", { description: "\u001b[2Jcleared" })), "body.description"),
  reg("form feed in a skill description", json(card("c17", { skills: [{ name: "s", description: "a\fb" }] })), "body.skills[0].description"),
  reg("CR in the name (single-line field)", json(card("c18", { name: "over\rwrite" })), "body.name"),
  reg("DEL in a tag", json(card("c12", { tags: ["a\u007f"] })), "body.tags[0]"),
  reg("C1 control (CSI) in the name", json(card("c13", { name: "a\u009b31m" })), "body.name"),
  reg("tab in the name (single-line field)", json(card("c14", { name: "a\tb" })), "body.name"),
  reg("unpaired surrogate in the name", json(card("c15", { name: "a\ud800b" })), "body.name"),
  reg("unpaired surrogate in the description", json(card("c16", { description: "\udc00" })), "body.description"),
  reg("NUL in a metadata key", json(card("m1", { metadata: { [`k${NUL}`]: 1 } })), "body.metadata"),
  reg("NUL in a metadata value", json(card("m2", { metadata: { note: `v${NUL}` } })), "body.metadata.note"),
  reg("NUL in a nested metadata value", json(card("m3", { metadata: { a: { b: [1, `x${NUL}`] } } })), "body.metadata.a.b[1]"),
  reg("NUL in a nested metadata key", json(card("m4", { metadata: { a: { [`${NUL}`]: true } } })), "body.metadata.a"),
  reg("unpaired surrogate in a metadata value", json(card("m5", { metadata: { a: "\ud83d" } })), "body.metadata.a"),
  reg("metadata key of 200 characters", json(card("m6", { metadata: { ["k".repeat(200)]: 1 } })), "body.metadata"),
  reg("nested metadata key of 101 characters", json(card("m7", { metadata: { a: { ["k".repeat(101)]: 1 } } })), "body.metadata.a"),
  reg("metadata nested 2,000 levels deep", withRawMetadata("m8", nested(2000)), "body.metadata"),
  reg("metadata nested 2,000 levels deep in arrays (inside 4 KiB)", withRawMetadata("m9", `{"a":${"[".repeat(2000)}${"]".repeat(2000)}}`), "body.metadata"),
  reg("metadata nested 30,000 levels deep in arrays", withRawMetadata("m11", `{"a":${"[".repeat(30_000)}${"]".repeat(30_000)}}`), "body.metadata"),
  reg("metadata nested 33 levels deep", withRawMetadata("m10", nested(33)), "body.metadata"),
  // Endpoints: the schemes an agent can listen on, and nothing else.
  reg("javascript: endpoint", json(card("e1", { endpoint: "javascript:alert(1)" })), "body.endpoint"),
  reg("javascript:// endpoint", json(card("e2", { endpoint: "javascript://x/%0aalert(1)" })), "body.endpoint"),
  reg("file: endpoint", json(card("e3", { endpoint: "file:///etc/passwd" })), "body.endpoint"),
  reg("data: endpoint", json(card("e4", { endpoint: "data:text/html,<script>alert(1)</script>" })), "body.endpoint"),
  reg("ftp endpoint", json(card("e5", { endpoint: "ftp://files.example/agent" })), "body.endpoint"),
  reg("http endpoint without a host", json(card("e6", { endpoint: "http:///path" })), "body.endpoint"),
  // Ids a URL path would rewrite.
  reg("id .", json(card(".")), "body.id"),
  reg("id ..", json(card("..")), "body.id"),
  { ...reg("NUL in the name, on the register alias", json(card("c20", { name: NUL })), "body.name"), path: "/api/v1/agents/register" },
  // Updates.
  patch("PATCH: NUL in the name", { name: `x${NUL}` }, "body.name"),
  patch("PATCH: NUL in the provider (a string or null)", { provider: NUL }, "body.provider"),
  patch("PATCH: ESC in the version", { version: "\u001b]0;pwned\u0007" }, "body.version"),
  patch("PATCH: javascript: endpoint", { endpoint: "javascript:alert(1)" }, "body.endpoint"),
  patch("PATCH: metadata key of 200 characters", { metadata: { ["k".repeat(200)]: 1 } }, "body.metadata"),
  patch("PATCH: NUL in a metadata value", { metadata: { a: NUL } }, "body.metadata.a"),
  { ...patch("PATCH: metadata nested 2,000 levels deep", {}, "body.metadata"), body: `{"metadata":${nested(2000)}}` },
  // Heartbeats and reports.
  { name: "heartbeat: NUL in the message", method: "POST", path: "/api/v1/agents/victim/heartbeat", body: json({ status: "degraded", message: `m${NUL}` }), auth: "victim", status: 400, code: "validation_failed", field: "body.message" },
  { name: "heartbeat: ESC in the message", method: "POST", path: "/api/v1/agents/victim/heartbeat", body: json({ status: "degraded", message: "\u001b[2J" }), auth: "victim", status: 400, code: "validation_failed", field: "body.message" },
  { name: "report: NUL in the outcome", method: "POST", path: "/api/v1/agents/victim/reports", body: json({ outcome: `success${NUL}` }), auth: "reporter", status: 400, code: "validation_failed", field: "body.outcome" },
  { name: "report: latency 1e300", method: "POST", path: "/api/v1/agents/victim/reports", body: '{"outcome":"success","latency_ms":1e300}', auth: "reporter", status: 400, code: "validation_failed", field: "body.latency_ms" },
  // Query parameters of the list.
  query("list: q=%00", "/api/v1/agents?q=%00", "query.q"),
  query("list: q with ESC", "/api/v1/agents?q=a%1Bb", "query.q"),
  query("list: tag=%00", "/api/v1/agents?tag=%00", "query.tag"),
  query("list: skill=%00", "/api/v1/agents?skill=x%00", "query.skill"),
  query("list: offset beyond 2^64", "/api/v1/agents?offset=99999999999999999999", "query.offset"),
  query("list: offset=1e300", "/api/v1/agents?offset=1e300", "query.offset"),
  query("list: offset=-1", "/api/v1/agents?offset=-1", "query.offset"),
  query("list: limit=1e300", "/api/v1/agents?limit=1e300", "query.limit"),
  // Query parameters of the history and the stream.
  query("history: after beyond 2^64", "/api/v1/events/history?after=99999999999999999999", "query.after"),
  query("history: after=1e300", "/api/v1/events/history?after=1e300", "query.after"),
  query("history: limit=1e300", "/api/v1/events/history?limit=1e300", "query.limit"),
  query("history: agent_id=%00", "/api/v1/events/history?agent_id=%00", "query.agent_id[0]"),
  query("history: types=%00", "/api/v1/events/history?types=%00", "query.types[0]"),
  query("stream: agent_id=%00", "/api/v1/events?agent_id=a%00", "query.agent_id[0]"),
  query("stream: last_event_id beyond 2^64", "/api/v1/events?last_event_id=99999999999999999999", "query.last_event_id", "invalid_last_event_id"),
  query("stream: last_event_id=1e300", "/api/v1/events?last_event_id=1e300", "query.last_event_id", "invalid_last_event_id"),
  // Path parameters.
  query("GET an id with NUL", "/api/v1/agents/a%00b", "params.id"),
  query("GET the id %2E%2E", "/api/v1/agents/%2E%2E", "params.id"),
  { name: "heartbeat for the id %2E", method: "POST", path: "/api/v1/agents/%2E/heartbeat", body: "{}", auth: "victim", status: 400, code: "validation_failed", field: "params.id" },
  { name: "DELETE the id %2e%2e", method: "DELETE", path: "/api/v1/agents/%2e%2e", auth: "admin", status: 400, code: "validation_failed", field: "params.id" },
  // A known path with a method it does not have.
  wrongMethod("PUT", "/api/v1/agents/victim", "DELETE, GET, HEAD, PATCH"),
  wrongMethod("DELETE", "/api/v1/agents", "GET, HEAD, POST"),
  wrongMethod("POST", "/api/v1/events", "GET, HEAD"),
  wrongMethod("GET", "/api/v1/agents/victim/heartbeat", "POST"),
  wrongMethod("PUT", "/api/v1/agents/victim/reports", "POST"),
  wrongMethod("POST", "/api/v1/stats", "GET, HEAD"),
  wrongMethod("POST", "/healthz", "GET, HEAD"),
  wrongMethod("PATCH", "/api/v1/session", "DELETE, GET, HEAD, POST"),
];

describe("bad input: the same 4xx problem on SQLite and PostgreSQL, and nothing changes", () => {
  it.each(cases)("$name", async (c) => {
    const answers: Answer[] = [];
    for (const t of targets) {
      const before = await snapshot(t.server.url);
      const answer = await send(t.server.url, c.method, c.path, c.body, c.auth ? t.tokens[c.auth] : undefined);
      answers.push(answer);
      const where = `${t.store}: ${JSON.stringify(answer.body)}`.slice(0, 500);
      expect(answer.status, where).toBe(c.status);
      expect(answer.body, where).toMatchObject({ status: c.status, code: c.code, type: expect.stringContaining("/problems/") });
      if (c.field) expect(answer.body.errors.map((e: { field: string }) => e.field), where).toContain(c.field);
      if (c.allow) expect(answer.headers.allow, where).toBe(c.allow);
      expect(await snapshot(t.server.url), t.store).toEqual(before);
    }
    const [sqlite, postgres] = answers;
    expect(postgres.status).toBe(sqlite.status);
    expect(postgres.body.code).toBe(sqlite.body.code);
    expect(postgres.body.errors).toEqual(sqlite.body.errors);
  });
});

describe("validation reports every fault of a request, up to 10", () => {
  it("names each bad field, not only the first", async () => {
    for (const t of targets) {
      const body = json({ ...card("multi"), version: 3, endpoint: "javascript:alert(1)", colour: "red", name: `a${NUL}` });
      const r = await send(t.server.url, "POST", "/api/v1/agents", body);
      expect(r.status, t.store).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field).sort(), t.store).toEqual(["body.colour", "body.endpoint", "body.name", "body.version"]);
      expect(r.body.detail).toContain("body.endpoint");
    }
  });

  it("stops at 10 faults however many there are", async () => {
    for (const t of targets) {
      const tags = Array.from({ length: 40 }, (_, i) => `t${i}${NUL}`);
      const r = await send(t.server.url, "POST", "/api/v1/agents", json(card("many", { tags })));
      expect(r.status, t.store).toBe(400);
      expect(r.body.errors, t.store).toHaveLength(10);
      expect(r.body.errors[0]).toEqual({ field: "body.tags[0]", message: expect.stringContaining("control characters") });
    }
  });
});

describe("inputs at the edges of the rules are accepted by both stores alike", () => {
  it("free text keeps tab, LF and CR; names keep any printable Unicode; metadata 32 levels deep; every allowed scheme", async () => {
    const results: unknown[] = [];
    for (const t of targets) {
      const accepted = [
        json(card("edge-text", { name: "Émile 🤖 agent", description: "line one\r\n\tline two", skills: [{ name: "résumé", description: "a\nb\tc" }] })),
        withRawMetadata("edge-deep", nested(32)),
        json(card("edge-keys", { metadata: { ["k".repeat(100)]: { ["n".repeat(100)]: "tab\tand\nnewline ok" } } })),
        json(card("...", { endpoint: "grpc://agents.example:50051" })),
        json(card("a.b", { endpoint: "grpcs://agents.example" })),
        json(card("edge-ws", { endpoint: "wss://agents.example/socket" })),
        json(card("edge-ws2", { endpoint: "ws://127.0.0.1:9000" })),
        json(card("edge-upper", { endpoint: "HTTPS://Agents.Example/x" })),
      ];
      for (const body of accepted) {
        const r = await send(t.server.url, "POST", "/api/v1/agents", body);
        expect(r.status, `${t.store}: ${JSON.stringify(r.body)}`).toBe(201);
      }
      const hb = await send(t.server.url, "POST", "/api/v1/agents/victim/heartbeat", json({ status: "degraded", message: "queue:\n\t12 waiting" }), t.tokens.victim);
      expect(hb.status, t.store).toBe(200);
      const agents = (await api(t.server.url, "GET", "/api/v1/agents?q=edge-")).body.agents.sort((a: any, b: any) => (a.id < b.id ? -1 : 1));
      const health = (await api(t.server.url, "GET", "/api/v1/agents/victim/health")).body.history.map((h: { message: string | null }) => h.message);
      const farPage = await api(t.server.url, "GET", `/api/v1/agents?offset=${Number.MAX_SAFE_INTEGER}`);
      expect(farPage.status, t.store).toBe(200);
      expect(farPage.body.agents).toEqual([]);
      const farHistory = await api(t.server.url, "GET", `/api/v1/events/history?after=${Number.MAX_SAFE_INTEGER}`);
      expect(farHistory.status, t.store).toBe(200);
      expect(farHistory.body.events).toEqual([]);
      results.push({
        cards: agents.map((a: any) => ({ id: a.id, name: a.name, description: a.description, skills: a.skills, metadata: a.metadata })),
        endpoints: await Promise.all(["...", "a.b"].map(async (id) => (await api(t.server.url, "GET", `/api/v1/agents/${id}`)).body.endpoint)),
        messages: health,
      });
    }
    expect(results[1]).toEqual(results[0]);
    const sqlite = results[0] as { cards: any[]; endpoints: string[]; messages: string[] };
    expect(sqlite.cards.find((a) => a.id === "edge-text")).toMatchObject({ name: "Émile 🤖 agent", description: "line one\r\n\tline two" });
    expect(sqlite.endpoints).toEqual(["grpc://agents.example:50051", "grpcs://agents.example"]);
    expect(sqlite.messages).toContain("queue:\n\t12 waiting");
  });
});
