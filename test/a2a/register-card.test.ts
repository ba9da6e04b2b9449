/**
 * Registering from an A2A Agent Card, on both stores, against real card
 * servers: cards of both versions by URL (and a bare site URL, found at the
 * well-known path), inline cards, every reason a card cannot be used (a 422
 * `card_unusable` naming it, and nothing registered), the SSRF refusals, and
 * `GET /agents/{id}/card` for agents registered both ways.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, register } from "../helpers.js";
import { cardV03, cardV1, listen, PUBLIC_ADDRESS, startRegistry, STORES, type Registry } from "./card-server.js";

type Listening = Awaited<ReturnType<typeof listen>>;

const hits: string[] = [];
let site: Listening; // serves cards and failures on 127.0.0.2 (reachable)
let inside: Listening; // on 127.0.0.1 (loopback: not reachable); records every request it gets
let closedPort: number;
const registries = new Map<string, Registry>();

function cards(req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url!, "http://x").pathname;
  hits.push(path);
  const json = (status: number, body: unknown, type = "application/json") => res.writeHead(status, { "content-type": type }).end(typeof body === "string" ? body : JSON.stringify(body));
  switch (path) {
    case "/.well-known/agent-card.json":
    case "/v1.json":
      return json(200, cardV1());
    case "/v03.json":
      return json(200, cardV03());
    case "/a2a-json-type.json":
      return json(200, cardV1(), "application/a2a+json; charset=utf-8");
    case "/status":
      return json(503, { error: "down" });
    case "/html":
      return json(200, "<!doctype html><title>Agent</title>", "text/html");
    case "/not-json":
      return json(200, "{ this is not json");
    case "/huge":
      return json(200, { ...cardV1(), padding: "x".repeat(100 * 1024) });
    case "/invalid":
      return json(200, { ...cardV1(), name: undefined, version: 3, skills: [{ ...cardV1().skills[0], tags: "maps" }] });
    case "/slow":
      return; // never answers: the fetch's deadline ends it
    case "/to-loopback":
      return res.writeHead(302, { location: `http://127.0.0.1:${inside.port}/v1.json` }).end();
    default:
      return json(404, { error: "no such card" });
  }
}

beforeAll(async () => {
  site = await listen(cards);
  inside = await listen(cards, "127.0.0.1");
  const gone = await listen(cards);
  closedPort = gone.port;
  await gone.close();
  for (const kind of STORES) registries.set(kind, await startRegistry(kind));
}, 60_000);
afterAll(async () => {
  for (const r of registries.values()) await r.destroy();
  await site?.close();
  await inside?.close();
});

describe.each(STORES)("registering from an A2A card (%s)", (kind) => {
  const base = () => registries.get(kind)!.url;
  const at = (path: string) => `http://${PUBLIC_ADDRESS}:${site.port}${path}`;
  const named = (path: string) => `http://cards.test:${site.port}${path}`;

  it("registers a current (1.0) card by URL: mapped, kept, with card_url in the snapshot", async () => {
    const r = await api(base(), "POST", "/api/v1/agents", { card_url: at("/v1.json"), id: `geo-${kind}` });
    expect(r.status).toBe(201);
    expect(r.body.agent_token).toMatch(/^amt_/);
    expect(r.body.agent).toMatchObject({
      id: `geo-${kind}`,
      name: "GeoSpatial Route Planner Agent",
      version: "1.2.0",
      protocol: "a2a",
      endpoint: "https://georoute-agent.example.com/a2a/v1",
      provider: "Example Geo Services Inc.",
      card_url: at("/v1.json"),
      metadata: { a2a: { protocol_binding: "JSONRPC", protocol_version: "1.0" } },
    });
    expect(r.body.agent.skills.map((s: { id: string }) => s.id)).toEqual(["route-optimizer-traffic", "custom-map-generator"]);
    expect(r.body.agent).not.toHaveProperty("a2a_card");
    const card = await api(base(), "GET", `/api/v1/agents/geo-${kind}/card`);
    expect(card.status).toBe(200);
    expect(card.headers.get("content-type")).toMatch(/^application\/json/);
    expect(card.body).toEqual(cardV1()); // as published, signatures and all
  });

  it("registers a previous-version (0.3) card by URL, its id from its name", async () => {
    const r = await api(base(), "POST", "/api/v1/agents", { card_url: named("/v03.json") });
    expect(r.status).toBe(201);
    expect(r.body.agent).toMatchObject({ id: "recipe-agent", name: "Recipe Agent", endpoint: "https://recipes.example.com/a2a/v1", card_url: named("/v03.json") });
    expect((await api(base(), "GET", "/api/v1/agents/recipe-agent/card")).body).toEqual(cardV03());
  });

  it("finds the card of a bare site at the well-known path", async () => {
    const r = await api(base(), "POST", "/api/v1/agents", { card_url: named("/"), id: `site-${kind}` });
    expect(r.status).toBe(201);
    expect(r.body.agent.card_url).toBe(named("/.well-known/agent-card.json"));
  });

  it("takes a card inline, kept as given and never refreshed", async () => {
    const r = await api(base(), "POST", "/api/v1/agents", { a2a_card: cardV03(), id: `inline-${kind}` });
    expect(r.status).toBe(201);
    expect(r.body.agent).toMatchObject({ name: "Recipe Agent", card_url: null });
    expect((await api(base(), "GET", `/api/v1/agents/inline-${kind}/card`)).body).toEqual(cardV03());
  });

  it("re-registers the same card URL with the agent's token (200), and refuses it without (409)", async () => {
    const first = await api(base(), "POST", "/api/v1/agents", { card_url: at("/a2a-json-type.json"), id: `again-${kind}` });
    expect(first.status).toBe(201);
    const without = await api(base(), "POST", "/api/v1/agents", { card_url: at("/a2a-json-type.json"), id: `again-${kind}` });
    expect(without.status).toBe(409);
    const moved = await api(base(), "POST", "/api/v1/agents", { card_url: at("/v03.json"), id: `again-${kind}` }, first.body.agent_token);
    expect(moved.status).toBe(200);
    expect(moved.body.agent).toMatchObject({ name: "Recipe Agent", card_url: at("/v03.json"), revision: 2 });
    const history = await api(base(), "GET", `/api/v1/events/history?agent_id=again-${kind}&types=agent_updated`);
    expect(history.body.events).toHaveLength(1);
    expect(history.body.events[0].changed).toEqual(expect.arrayContaining(["name", "endpoint", "card_url"]));
  });

  it("builds an A2A card for a native registration", async () => {
    await register(base(), `native-${kind}`, { protocol: "a2a", provider: "Example Corp", skills: [{ name: "echo", description: "echoes", tags: ["t"] }] });
    const r = await api(base(), "GET", `/api/v1/agents/native-${kind}/card`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: `Agent native-${kind}`,
      supportedInterfaces: [{ url: `http://127.0.0.1:9/native-${kind}`, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
      provider: { organization: "Example Corp", url: "http://127.0.0.1:9" },
      skills: [{ id: "echo", name: "echo", description: "echoes", tags: ["t"] }],
    });
    expect((await api(base(), "GET", `/api/v1/agents/native-${kind}`)).body.card_url).toBeNull();
    expect((await api(base(), "GET", "/api/v1/agents/nobody-here/card")).status).toBe(404);
  });

  // Every way a card cannot be used: 422 card_unusable with its reason, and no agent.
  const unusable: [string, () => unknown, string, RegExp][] = [
    ["dns", () => ({ card_url: "http://nowhere.test/card.json" }), "dns", /nowhere\.test/],
    ["refused", () => ({ card_url: at("/v1.json").replace(String(site.port), String(closedPort)) }), "refused", /refused/],
    ["timeout", () => ({ card_url: at("/slow") }), "timeout", /timed out|deadline|timeout/i],
    ["HTTP status", () => ({ card_url: at("/status") }), "http_status", /HTTP 503/],
    ["not found", () => ({ card_url: at("/missing.json") }), "http_status", /HTTP 404/],
    ["wrong content type", () => ({ card_url: at("/html") }), "wrong_content_type", /text\/html/],
    ["not JSON", () => ({ card_url: at("/not-json") }), "not_json", /not valid JSON/],
    ["too large", () => ({ card_url: at("/huge") }), "too_large", /.+/],
  ];
  it.each(unusable)("refuses a card that cannot be used: %s", async (_, body, reason, detail) => {
    const id = `bad-${kind}-${reason}`;
    const payload = { id, ...(body() as object) };
    const r = await api(base(), "POST", "/api/v1/agents", payload);
    expect(r.status).toBe(422);
    expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ code: "card_unusable", status: 422, reason });
    expect(r.body.detail).toMatch(detail);
    expect((await api(base(), "GET", `/api/v1/agents/${id}`)).status).toBe(404);
  }, 15_000);

  it("names every schema fault of an invalid card, fetched or inline", async () => {
    const fetched = await api(base(), "POST", "/api/v1/agents", { card_url: at("/invalid"), id: `invalid-${kind}` });
    expect(fetched.status).toBe(422);
    expect(fetched.body.reason).toBe("invalid_card");
    expect(fetched.body.errors).toEqual(
      expect.arrayContaining([
        { field: "card.version", message: "must be a string, not a number" },
        { field: "card.name", message: "is required" },
        { field: "card.skills[0].tags", message: "must be an array, not a string" },
      ]),
    );
    expect(fetched.body.errors).toHaveLength(3);
    const inline = await api(base(), "POST", "/api/v1/agents", { a2a_card: { ...cardV03(), url: "file:///etc/passwd" }, id: `invalid-inline-${kind}` });
    expect(inline.status).toBe(422);
    expect(inline.body).toMatchObject({ reason: "invalid_card", errors: [{ field: "body.a2a_card.url", message: expect.stringMatching(/http/) }] });
    for (const id of [`invalid-${kind}`, `invalid-inline-${kind}`]) expect((await api(base(), "GET", `/api/v1/agents/${id}`)).status).toBe(404);
  });

  it("refuses what the body schema refuses with a 400 naming the field of the form meant", async () => {
    const r = await api(base(), "POST", "/api/v1/agents", { card_url: "ftp://cards.test/card.json", name: "extra" });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["body.card_url", "body.name"]);
  });

  describe("never fetches where it must not", () => {
    const refusals: [string, () => string, RegExp][] = [
      ["a link-local address", () => "http://169.254.169.254/latest/meta-data/", /link-local/],
      ["a name resolving to link-local", () => "http://metadata.test/card.json", /link-local/],
      ["a name resolving to a denied (loopback) address", () => `http://inside.test:${inside.port}/v1.json`, /loopback/],
      ["a name with one denied address among its answers", () => `http://mixed.test:${site.port}/v1.json`, /127\.0\.0\.1/],
      ["a redirect to loopback", () => at("/to-loopback"), /127\.0\.0\.1/],
    ];
    it.each(refusals)("%s: 422 denied_address, nothing registered", async (_, url, detail) => {
      const before = hits.length;
      const insideHitsBefore = hits.filter((h) => h === "/v1.json").length;
      const r = await api(base(), "POST", "/api/v1/agents", { card_url: url(), id: `ssrf-${kind}` });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ code: "card_unusable", reason: "denied_address" });
      expect(r.body.detail).toMatch(detail);
      expect((await api(base(), "GET", `/api/v1/agents/ssrf-${kind}`)).status).toBe(404);
      // The loopback server was never contacted (only the redirecting hop, if any, was).
      expect(hits.slice(before).filter((h) => h !== "/to-loopback")).toEqual([]);
      expect(hits.filter((h) => h === "/v1.json").length).toBe(insideHitsBefore);
    });
  });
});
