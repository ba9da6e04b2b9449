/**
 * `--cors-origin`: pages on other origins may use the API and the stream, and
 * only the origins named. Real HTTP; the browser's side (it refuses what the
 * headers do not allow) is in test/e2e/cors.test.ts.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/server/config.js";
import { ADMIN, api, openStream, register, startTestServer, waitFor, type TestServer } from "../helpers.js";

const TOOL = "http://tools.example.test:5173";
const OTHER = "https://evil.example.test";
const READ = "read-token-0123456789abcdef";

/** A preflight as a browser sends it before a cross-origin request that is not "simple". */
function preflight(base: string, path: string, origin: string, method = "PATCH", headers = "authorization,content-type") {
  return api(base, "OPTIONS", path, undefined, undefined, { origin, "access-control-request-method": method, "access-control-request-headers": headers });
}

/** The response head of the event stream as the socket carried it (the stream writes its own head). */
function streamHead(base: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/v1/events`, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
      const lines = Object.entries(res.headers).map(([k, v]) => `${k}: ${String(v)}`);
      res.destroy();
      resolve(lines.join("\n"));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("CORS when no origin is named (the default)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.destroy());

  it("answers no CORS headers: not on reads, not on a preflight, not on the stream", async () => {
    const list = await api(server.url, "GET", "/api/v1/agents", undefined, undefined, { origin: TOOL });
    expect(list.status).toBe(200);
    expect([...list.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);

    const pre = await preflight(server.url, "/api/v1/agents/a", TOOL);
    expect(pre.status).toBe(405); // OPTIONS is no route at all
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect(pre.headers.get("access-control-allow-methods")).toBeNull();

    expect(await streamHead(server.url, { origin: TOOL })).not.toMatch(/access-control/);
  });
});

describe("CORS with --cors-origin", () => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ corsOrigin: `${TOOL}, https://dash.example.test`, readToken: READ });
    token = await register(server.url, "a");
  });
  afterAll(() => server.destroy());

  it("answers a preflight from a named origin, before any token is asked for", async () => {
    const pre = await preflight(server.url, "/api/v1/agents/a", TOOL);
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(TOOL);
    expect(pre.headers.get("access-control-allow-methods")).toBe("GET, HEAD, POST, PATCH, DELETE");
    expect(pre.headers.get("access-control-allow-headers")).toBe("Authorization, Content-Type, Last-Event-ID");
    expect(pre.headers.get("access-control-max-age")).toBe("600");
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
    expect(pre.headers.get("vary")).toMatch(/Origin/);
    // The second named origin too, and EventSource's reconnect (Last-Event-ID is not a safelisted header).
    const second = await preflight(server.url, "/api/v1/events", "https://dash.example.test", "GET", "last-event-id");
    expect(second.headers.get("access-control-allow-origin")).toBe("https://dash.example.test");
  });

  it("gives no permission to a preflight from any other origin", async () => {
    for (const origin of [OTHER, `${TOOL}/`, "http://tools.example.test:5174", "null", "HTTP://TOOLS.EXAMPLE.TEST:5173"]) {
      const pre = await preflight(server.url, "/api/v1/agents/a", origin);
      expect(pre.headers.get("access-control-allow-origin"), origin).toBeNull();
      expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it("lets a named origin read answers and the headers it needs, errors included", async () => {
    const list = await api(server.url, "GET", "/api/v1/agents", undefined, READ, { origin: TOOL });
    expect(list.status).toBe(200);
    expect(list.headers.get("access-control-allow-origin")).toBe(TOOL);
    expect(list.headers.get("access-control-expose-headers")).toContain("Retry-After");
    expect(list.headers.get("access-control-allow-credentials")).toBeNull();
    // A refusal is readable too: the page can tell a missing token from a network failure.
    const refused = await api(server.url, "GET", "/api/v1/agents", undefined, undefined, { origin: TOOL });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(TOOL);
    expect(refused.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
    // A write from the tool, with the agent's own token.
    const beat = await api(server.url, "POST", "/api/v1/agents/a/heartbeat", {}, token, { origin: TOOL });
    expect(beat.status).toBe(200);
    expect(beat.headers.get("access-control-allow-origin")).toBe(TOOL);
    // Another origin is answered (CORS does not guard the server) but given no permission to read it.
    const other = await api(server.url, "GET", "/api/v1/agents", undefined, READ, { origin: OTHER });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("the stream carries the permission in its own head, for the named origins only, and streams", async () => {
    expect(await streamHead(server.url, { origin: TOOL, authorization: `Bearer ${READ}` })).toMatch(new RegExp(`^access-control-allow-origin: ${TOOL}$`, "m"));
    expect(await streamHead(server.url, { origin: OTHER, authorization: `Bearer ${READ}` })).not.toMatch(/access-control-allow-origin/);

    const stream = await openStream(server.url, "", { origin: TOOL, authorization: `Bearer ${READ}` });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers["access-control-allow-origin"]).toBe(TOOL);
      expect(stream.headers["access-control-expose-headers"]).toContain("Retry-After");
      expect(stream.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
      await register(server.url, "b");
      await api(server.url, "DELETE", "/api/v1/agents/b", undefined, ADMIN);
      const events = await waitFor(() => stream.events().length >= 2 && stream.events(), "two events");
      expect(events.map((e) => e.type)).toEqual(["agent_registered", "agent_deregistered"]);
    } finally {
      stream.close();
    }
  });
});

describe("--cors-origin values", () => {
  it("takes exact origins, comma-separated, and refuses anything that could never match", () => {
    expect(loadConfig({ flags: { "cors-origin": "https://a.example, http://127.0.0.1:5173" } }).corsOrigins).toEqual(["https://a.example", "http://127.0.0.1:5173"]);
    expect(loadConfig({ env: { AGENTMESH_CORS_ORIGIN: "https://a.example" } }).corsOrigins).toEqual(["https://a.example"]);
    expect(loadConfig().corsOrigins).toEqual([]);
    for (const bad of ["*", "https://a.example/", "https://a.example/app", "a.example", "ftp://a.example", "https://A.example", "https://a.example:443", "null"]) {
      expect(() => loadConfig({ flags: { "cors-origin": bad } }), bad).toThrow(`has ${JSON.stringify(bad)}, which is not an exact origin`);
    }
  });
});
