/**
 * Security settings over real HTTP: registration token, read token (Bearer and
 * the dashboard's cookie), rate limit keyed by token, admin exemption, and a
 * plain 500 that leaks nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { Writable } from "node:stream";
import { ADMIN, api, card, register, startTestServer, type TestServer } from "../helpers.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.destroy();
  server = undefined;
});

describe("registration token", () => {
  it("new agents need it (or the admin token); re-registration needs the agent's own token", async () => {
    server = await startTestServer({ registrationToken: "register-0123456789abc" });
    const url = server.url;
    expect((await api(url, "POST", "/api/v1/agents", card("r1"))).status).toBe(401);
    expect((await api(url, "POST", "/api/v1/agents", card("r1"), "wrong-token-xxxxxxxx")).status).toBe(401);
    const ok = await api(url, "POST", "/api/v1/agents", card("r1"), "register-0123456789abc");
    expect(ok.status).toBe(201);
    expect((await api(url, "POST", "/api/v1/agents", card("r2"), ADMIN)).status).toBe(201);
    expect((await api(url, "POST", "/api/v1/agents", card("r1", { version: "2" }), ok.body.agent_token)).status).toBe(200);
    expect((await api(url, "POST", "/api/v1/agents", card("r1", { version: "3" }), "register-0123456789abc")).status).toBe(409);
  });
});

describe("read token", () => {
  it("reads need the read token, the admin token or the session cookie; health checks stay open", async () => {
    server = await startTestServer({ readToken: "read-0123456789abcdef" });
    const url = server.url;
    await register(url, "x1");
    for (const path of ["/api/v1/agents", "/api/v1/agents/x1", "/api/v1/stats", "/api/v1/events/history", "/metrics"]) {
      const r = await api(url, "GET", path);
      expect(r.status, path).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe("Bearer");
    }
    expect((await api(url, "GET", "/api/v1/agents", undefined, "read-0123456789abcdef")).status).toBe(200);
    expect((await api(url, "GET", "/api/v1/agents", undefined, ADMIN)).status).toBe(200);
    expect((await api(url, "GET", "/healthz")).status).toBe(200);
    expect((await api(url, "GET", "/api/v1/session")).body).toEqual({ read_token_required: true, authenticated: false });
    expect((await api(url, "POST", "/api/v1/session", { token: "nope" })).status).toBe(401);
    const login = await api(url, "POST", "/api/v1/session", { token: "read-0123456789abcdef" });
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    expect((await api(url, "GET", "/api/v1/agents", undefined, undefined, { cookie })).status).toBe(200);
    expect((await api(url, "GET", "/api/v1/session", undefined, undefined, { cookie })).body.authenticated).toBe(true);
    expect((await api(url, "GET", "/api/v1/agents", undefined, undefined, { cookie: "agentmesh_session=forged" })).status).toBe(401);
    const logout = await api(url, "DELETE", "/api/v1/session");
    expect(logout.headers.get("set-cookie")).toContain("Max-Age=0");
  });
});

describe("rate limit", () => {
  it("limits writes per token (not per address), answers 429 with Retry-After, exempts the admin token", async () => {
    server = await startTestServer({ rateLimit: "3" });
    const url = server.url;
    const a = await register(url, "rl-a");
    const b = await register(url, "rl-b");
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api(url, "POST", "/api/v1/agents/rl-a/heartbeat", {}, a)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const limited = await api(url, "POST", "/api/v1/agents/rl-a/heartbeat", {}, a);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // another agent from the same address is another client
    expect((await api(url, "POST", "/api/v1/agents/rl-b/heartbeat", {}, b)).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await api(url, "PATCH", "/api/v1/agents/rl-b", { version: String(i) }, ADMIN)).status).toBe(200);
  });
});

describe("unexpected errors", () => {
  it("are logged with their stack and answered as a plain 500 that leaks nothing", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const { startServer } = await import("../../src/server/start.js");
    const { tempDir } = await import("../helpers.js");
    const dir = tempDir();
    const s = await startServer({ port: 0, database: `sqlite:${dir}/db.sqlite`, rateLimit: "0" }, { logger: pino({ level: "error" }, sink) });
    try {
      (s.store as any).countAgents = async () => {
        throw new Error("disk on fire at /secret/path");
      };
      const r = await api(s.url, "GET", "/api/v1/stats");
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ code: "internal", status: 500 });
      expect(JSON.stringify(r.body)).not.toContain("fire");
      expect(JSON.stringify(r.body)).not.toContain("/secret");
      const logged = lines.join("");
      expect(logged).toContain("disk on fire");
      expect(logged).toContain("stack");
    } finally {
      await s.close(10);
    }
  });
});
