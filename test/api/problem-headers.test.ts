/**
 * Headers that are facts of an error code come with every answer of that code,
 * wherever it was raised: every 401 names its scheme (`WWW-Authenticate:
 * Bearer`), whichever layer refused the caller.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card, register, startTestServer, type TestServer } from "../helpers.js";

describe("headers that belong to an error code", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ readToken: "read-token-0123456789" });
    await register(server.url, "a");
  });
  afterAll(() => server.destroy());

  it("every 401 carries WWW-Authenticate: Bearer", async () => {
    const answers = [
      await api(server.url, "POST", "/api/v1/agents", card("b"), "made-up-token"), // a token that verifies as nothing
      await api(server.url, "POST", "/api/v1/agents/a/heartbeat"), // no token
      await api(server.url, "POST", "/api/v1/agents/a/reports", { outcome: "success" }), // no token
      await api(server.url, "PATCH", "/api/v1/agents/a", { version: "2" }, undefined, { authorization: "Basic abc" }), // malformed
      await api(server.url, "GET", "/api/v1/agents"), // the read token is required
    ];
    for (const r of answers) {
      expect(r.status, JSON.stringify(r.body)).toBe(401);
      expect(r.body.code).toBe("unauthorized");
      expect(r.headers.get("www-authenticate")).toBe("Bearer");
    }
  });

  it("a 4xx of another code carries no WWW-Authenticate", async () => {
    const r = await api(server.url, "POST", "/api/v1/agents", { id: "" });
    expect(r.status).toBe(400);
    expect(r.headers.get("www-authenticate")).toBeNull();
  });
});
