/**
 * Only a browser navigating to one of the dashboard's own routes gets its HTML;
 * unknown paths under /.well-known/ and /api/, and paths naming a file, are a
 * real 404 (an HTML 200 there reads as a broken agent to a registry checker).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, tempDir, type TestServer } from "../helpers.js";

const BROWSER = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("the dashboard's fallback", () => {
  let server: TestServer;
  beforeAll(async () => {
    // A stand-in dashboard build, so the test does not depend on web/dist.
    const web = tempDir("agentmesh-web-");
    mkdirSync(join(web, "assets"));
    writeFileSync(join(web, "index.html"), "<!doctype html><title>AgentMesh</title><div id=root></div>");
    writeFileSync(join(web, "assets", "app.js"), "console.log('app')");
    server = await startTestServer({ webRoot: web });
  });
  afterAll(() => server.destroy());

  it("serves index.html to a browser on the dashboard's routes, and the built files", async () => {
    for (const path of ["/", "/agents/summarizer-1", "/agents/summarizer.v2"]) {
      const r = await fetch(server.url + path, { headers: BROWSER });
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(await r.text(), path).toContain("<title>AgentMesh</title>");
    }
    expect((await fetch(`${server.url}/assets/app.js`)).status).toBe(200);
  });

  it("answers a 404 problem for well-known paths, files and unknown API paths, even to a browser", async () => {
    for (const path of ["/.well-known/agent-card.json", "/.well-known/agent.json", "/favicon.ico", "/assets/missing.js", "/api/v1/nope", "/settings"]) {
      const r = await fetch(server.url + path, { headers: BROWSER });
      expect(r.status, path).toBe(404);
      expect(r.headers.get("content-type"), path).toMatch(/^application\/problem\+json/);
      expect((await r.json()).code, path).toBe("not_found");
    }
  });

  it("answers a 404 to a client that does not ask for HTML", async () => {
    const r = await fetch(`${server.url}/agents/summarizer-1`, { headers: { accept: "application/json" } });
    expect(r.status).toBe(404);
  });
});
