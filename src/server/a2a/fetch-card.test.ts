/**
 * Fetching A2A cards from real HTTP servers on 127.0.0.1 through the guarded
 * fetcher: each way a card can be unusable gives its own problem kind.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedFetcher, DEFAULT_FETCH_POLICY } from "../fetch/guarded-fetch.js";
import type { Resolver } from "../fetch/types.js";
import { cardUrls, discoverA2ACard, fetchA2ACard, maxAgeOf } from "./fetch-card.js";

const V1 = readFileSync(join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "a2a", "card-v1.json"), "utf8");
const V03 = readFileSync(join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "a2a", "card-v03.json"), "utf8");

const resolver: Resolver = async (name) => {
  if (name === "agent.test") return [{ address: "127.0.0.1", family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
};
const fetcher = createGuardedFetcher({ policy: { ...DEFAULT_FETCH_POLICY, allow: ["127.0.0.0/8"], timeoutMs: 500 }, resolver });

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const json = (body: string, headers: Record<string, string> = {}) => res.writeHead(200, { "content-type": "application/json; charset=utf-8", ...headers }).end(body);
    switch (req.url) {
      case "/.well-known/agent-card.json":
        if (req.headers["if-none-match"] === '"geo-1"') return res.writeHead(304, { etag: '"geo-1"', "cache-control": "max-age=300" }).end();
        return json(V1, { etag: '"geo-1"', "last-modified": "Tue, 01 Dec 2026 10:00:00 GMT", "cache-control": "public, max-age=300" });
      case "/legacy/.well-known/agent.json":
        return json(V03);
      case "/moved":
        return res.writeHead(301, { location: "/.well-known/agent-card.json" }).end();
      case "/loop":
        return res.writeHead(302, { location: "/loop" }).end();
      case "/html":
        return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>");
      case "/broken":
        return json('{"name": "Geo",');
      case "/invalid":
        return json(JSON.stringify({ ...JSON.parse(V1), name: 5, supportedInterfaces: undefined }));
      case "/vendor-json":
        return res.writeHead(200, { "content-type": "application/vnd.a2a+json" }).end(V03);
      case "/huge":
        return json(JSON.stringify({ ...JSON.parse(V1), padding: "x".repeat(70 * 1024) }));
      case "/slow":
        return; // never answers
      default:
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://agent.test:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("fetchA2ACard", () => {
  it("fetches and validates a card, with its caching headers", async () => {
    const r = await fetchA2ACard(fetcher, `${base}/.well-known/agent-card.json`);
    expect(r).toMatchObject({ ok: true, notModified: false, version: "1.0", etag: '"geo-1"', lastModified: "Tue, 01 Dec 2026 10:00:00 GMT", maxAgeMs: 300_000, card: { name: "GeoSpatial Route Planner Agent" } });
    if (r.ok && !r.notModified) expect(r.raw).toBe(V1);
  });

  it("answers notModified to a conditional fetch of an unchanged card", async () => {
    const r = await fetchA2ACard(fetcher, `${base}/.well-known/agent-card.json`, { etag: '"geo-1"' });
    expect(r).toEqual({ ok: true, notModified: true, url: `${base}/.well-known/agent-card.json`, etag: '"geo-1"', lastModified: null, maxAgeMs: 300_000 });
  });

  it("follows a redirect, and accepts +json media types", async () => {
    expect(await fetchA2ACard(fetcher, `${base}/moved`)).toMatchObject({ ok: true, url: `${base}/.well-known/agent-card.json` });
    expect(await fetchA2ACard(fetcher, `${base}/vendor-json`)).toMatchObject({ ok: true, version: "0.3" });
  });

  it.each([
    ["/nothing", { kind: "http_status", status: 404, message: "the card URL answered HTTP 404, not 200" }],
    ["/html", { kind: "wrong_content_type", message: 'the card is served as "text/html", not application/json' }],
    ["/broken", { kind: "not_json", message: expect.stringContaining("the card is not valid JSON") }],
    ["/huge", { kind: "too_large", message: expect.stringContaining("65536") }],
    ["/loop", { kind: "too_many_redirects" }],
    ["/slow", { kind: "timeout", message: expect.stringContaining("waiting for the response headers") }],
  ])("%s: the problem says why", async (path, problem) => {
    const r = await fetchA2ACard(fetcher, `${base}${path}`);
    expect(r.ok ? r : r.problem).toMatchObject(problem);
  });

  it("names every field that violates the schema", async () => {
    const r = await fetchA2ACard(fetcher, `${base}/invalid`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem).toMatchObject({ kind: "invalid_card", url: `${base}/invalid` });
    expect(r.problem.faults).toEqual([
      { path: "/supportedInterfaces", message: expect.stringContaining("is required") },
      { path: "/name", message: "must be a string, not a number" },
    ]);
    expect(r.problem.message).toContain("/name must be a string, not a number");
  });

  it("reports an unreachable host: no such name, a refused port, a denied address", async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, "127.0.0.1", resolve));
    const port = (free.address() as { port: number }).port;
    await new Promise((resolve) => free.close(resolve));
    expect(await fetchA2ACard(fetcher, "http://nowhere.test/.well-known/agent-card.json")).toMatchObject({ ok: false, problem: { kind: "dns" } });
    expect(await fetchA2ACard(fetcher, `http://127.0.0.1:${port}/.well-known/agent-card.json`)).toMatchObject({ ok: false, problem: { kind: "refused" } });
    expect(await fetchA2ACard(fetcher, "http://169.254.169.254/.well-known/agent-card.json")).toMatchObject({ ok: false, problem: { kind: "denied_address" } });
  });
});

describe("finding the card from a base URL", () => {
  it("adds the well-known path to a bare site, and falls back to the older one", async () => {
    expect(cardUrls("https://a.example")).toEqual(["https://a.example/.well-known/agent-card.json", "https://a.example/.well-known/agent.json"]);
    expect(cardUrls("https://a.example/cards/geo.json")).toEqual(["https://a.example/cards/geo.json"]);
    expect(await discoverA2ACard(fetcher, base)).toMatchObject({ ok: true, version: "1.0" });
    expect(await discoverA2ACard(fetcher, `${base}/legacy/.well-known/agent.json`)).toMatchObject({ ok: true, version: "0.3" });
    expect(await discoverA2ACard(fetcher, "not a url")).toMatchObject({ ok: false, problem: { kind: "invalid_url" } });
  });

  it("reads max-age, no-store and no-cache", () => {
    expect(maxAgeOf("public, max-age=60")).toBe(60_000);
    expect(maxAgeOf("max-age=60, no-cache")).toBe(0);
    expect(maxAgeOf("no-store")).toBe(0);
    expect(maxAgeOf("max-age=abc")).toBeNull();
    expect(maxAgeOf(undefined)).toBeNull();
  });
});
