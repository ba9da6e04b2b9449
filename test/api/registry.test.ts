/**
 * The registry API over real HTTP on a temporary SQLite file: what works, and
 * every kind of bad input answered with a problem that changes nothing.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, api, card, register, startTestServer, type TestServer } from "../helpers.js";

let server: TestServer;
let url: string;

beforeAll(async () => {
  // trustMaturity 0: reporters here are seconds old (the standing rules are tested in test/abuse/trust-sybil.test.ts).
  server = await startTestServer({ heartbeatInterval: "5s", offlineAfter: "30s", trustMaturity: "0" });
  url = server.url;
});

afterAll(async () => {
  await server.destroy();
});

/** Everything the store holds, to prove a rejected request changed nothing. */
async function snapshot() {
  const agents = await api(url, "GET", "/api/v1/agents?limit=1000");
  const stats = await api(url, "GET", "/api/v1/stats");
  return { agents: agents.body.agents, last: stats.body.events.last_id };
}

describe("register, read, update, deregister", () => {
  it("registers with 201 and a token shown once; stores only its hash", async () => {
    const r = await api(url, "POST", "/api/v1/agents", card("reg-1", { provider: "acme", metadata: { region: "eu" } }));
    expect(r.status).toBe(201);
    expect(r.body.agent).toMatchObject({
      id: "reg-1",
      provider: "acme",
      metadata: { region: "eu" },
      health_status: "unknown",
      last_heartbeat_at: null,
      trust_score: 0.5,
      trust_tier: "reliable",
      revision: 1,
    });
    expect(r.body.agent_token).toMatch(/^amt_[A-Za-z0-9_-]{43}$/);
    const get = await api(url, "GET", "/api/v1/agents/reg-1");
    expect(get.body).not.toHaveProperty("agent_token");
    expect(JSON.stringify(get.body)).not.toContain(r.body.agent_token);
    const db = new Database(server.dbFile, { readonly: true });
    const row = db.prepare("select token_hash from agents where id = ?").get("reg-1") as { token_hash: string };
    db.close();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_hash).not.toContain(r.body.agent_token);
  });

  it("the /agents/register alias works; re-registering with the agent's token updates (200), without it 409", async () => {
    const r = await api(url, "POST", "/api/v1/agents/register", card("reg-2"));
    expect(r.status).toBe(201);
    const token = r.body.agent_token;
    const again = await api(url, "POST", "/api/v1/agents", card("reg-2", { version: "2.0.0" }), token);
    expect(again.status).toBe(200);
    expect(again.body.agent).toMatchObject({ version: "2.0.0", revision: 2 });
    expect(again.body).not.toHaveProperty("agent_token");
    const before = await snapshot();
    const taken = await api(url, "POST", "/api/v1/agents", card("reg-2", { name: "Impostor" }));
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: "agent_id_taken", status: 409 });
    expect(taken.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    // A made-up token verifies as nothing: 401 before the id is looked at.
    const wrong = await api(url, "POST", "/api/v1/agents", card("reg-2", { name: "Impostor" }), "amt_not-the-token");
    expect(wrong.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it("PATCH updates fields and bumps the revision; a PATCH that changes nothing changes nothing", async () => {
    const token = await register(url, "patch-1");
    const r = await api(url, "PATCH", "/api/v1/agents/patch-1", { description: "new", tags: ["a", "b"] }, token);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ description: "new", tags: ["a", "b"], revision: 2 });
    const same = await api(url, "PATCH", "/api/v1/agents/patch-1", { description: "new" }, token);
    expect(same.body.revision).toBe(2);
    const admin = await api(url, "PATCH", "/api/v1/agents/patch-1", { provider: null }, ADMIN);
    expect(admin.status).toBe(200);
  });

  it("DELETE by the agent or the admin; then 404", async () => {
    const token = await register(url, "del-1");
    await register(url, "del-2");
    expect((await api(url, "DELETE", "/api/v1/agents/del-1", undefined, token)).status).toBe(204);
    expect((await api(url, "DELETE", "/api/v1/agents/del-2", undefined, ADMIN)).status).toBe(204);
    const gone = await api(url, "GET", "/api/v1/agents/del-1");
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe("agent_not_found");
  });

  it("heartbeat records the time and status and says when the next one is due", async () => {
    const token = await register(url, "hb-1");
    const before = Date.now();
    const r = await api(url, "POST", "/api/v1/agents/hb-1/heartbeat", { status: "degraded", message: "queue is long" }, token);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ agent_id: "hb-1", health_status: "degraded", changed: true, heartbeat_interval_ms: 5000, offline_after_ms: 30000 });
    expect(Date.parse(r.body.next_heartbeat_at)).toBeGreaterThanOrEqual(before + 5000);
    const bare = await api(url, "POST", "/api/v1/agents/hb-1/heartbeat", undefined, token);
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ health_status: "healthy", changed: true });
    const again = await api(url, "POST", "/api/v1/agents/hb-1/heartbeat", {}, token);
    expect(again.body.changed).toBe(false);
    const agent = (await api(url, "GET", "/api/v1/agents/hb-1")).body;
    expect(Date.parse(agent.last_heartbeat_at)).toBeGreaterThanOrEqual(before);
    const health = await api(url, "GET", "/api/v1/agents/hb-1/health");
    expect(health.body.history.map((h: any) => `${h.previous_status}>${h.status}`)).toEqual(["unknown>degraded", "degraded>healthy"]);
    expect(health.body.history[0].message).toBe("queue is long");
  });

  it("reports from other agents move trust, repeated reports count less, self-reports are refused", async () => {
    await register(url, "subject");
    const reporter = await register(url, "reporter");
    // A reporter that never heartbeated (`unknown`) is heard, and counts for nothing.
    const unheard = await api(url, "POST", "/api/v1/agents/subject/reports", { outcome: "failure" }, reporter);
    expect(unheard.status).toBe(202);
    expect(unheard.body).toMatchObject({ weight: 0, trust_score: 0.5 });
    await api(url, "POST", "/api/v1/agents/reporter/heartbeat", {}, reporter);
    const first = await api(url, "POST", "/api/v1/agents/subject/reports", { outcome: "failure" }, reporter);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ agent_id: "subject", reporter_id: "reporter", weight: 1 });
    expect(first.body.trust_score).toBeLessThan(0.5);
    const second = await api(url, "POST", "/api/v1/agents/subject/reports", { outcome: "failure" }, reporter);
    expect(second.body.weight).toBe(0.5);
    const trust = await api(url, "GET", "/api/v1/agents/subject/trust");
    expect(trust.body).toMatchObject({ agent_id: "subject", tier: "experimental" });
    expect(trust.body.history.map((h: any) => h.reason)).toEqual(["registered", "failure reported by reporter", "failure reported by reporter"]);
    const self = await api(url, "POST", "/api/v1/agents/reporter/reports", { outcome: "success" }, reporter);
    expect(self.status).toBe(400);
    expect(self.body.code).toBe("self_report");
    const stranger = await api(url, "POST", "/api/v1/agents/subject/reports", { outcome: "success" }, "amt_nobody");
    expect(stranger.status).toBe(401);
    const admin = await api(url, "POST", "/api/v1/agents/subject/reports", { outcome: "success" }, ADMIN);
    expect(admin.status).toBe(403);
  });
});

describe("list", () => {
  beforeAll(async () => {
    const t1 = await register(url, "list-a", { name: "Zeta search", tags: ["vision", "gpu"], skills: [{ name: "ocr", description: "reads" }] });
    await register(url, "list-b", { name: "Alpha", tags: ["nlp"], skills: [{ name: "translate", description: "languages", tags: ["i18n"] }] });
    await api(url, "POST", "/api/v1/agents/list-a/heartbeat", { status: "unhealthy" }, t1);
  });

  it("filters by health, tag, skill and text; sorts; pages; carries the cursor", async () => {
    const byHealth = await api(url, "GET", "/api/v1/agents?health=unhealthy");
    expect(byHealth.body.agents.map((a: any) => a.id)).toEqual(["list-a"]);
    const byTag = await api(url, "GET", "/api/v1/agents?tag=NLP");
    expect(byTag.body.agents.map((a: any) => a.id)).toEqual(["list-b"]);
    const bySkill = await api(url, "GET", "/api/v1/agents?skill=ocr");
    expect(bySkill.body.agents.map((a: any) => a.id)).toEqual(["list-a"]);
    const byText = await api(url, "GET", "/api/v1/agents?q=i18n");
    expect(byText.body.agents.map((a: any) => a.id)).toEqual(["list-b"]);
    const wildcard = await api(url, "GET", "/api/v1/agents?q=%25");
    expect(wildcard.body.total).toBe(0);
    const sorted = await api(url, "GET", "/api/v1/agents?q=list-&sort=name&order=desc");
    expect(sorted.body.agents.map((a: any) => a.name)).toEqual(["Zeta search", "Alpha"]);
    const byTrust = await api(url, "GET", "/api/v1/agents?q=list-&sort=trust_score");
    expect(byTrust.body.agents.map((a: any) => a.id)).toEqual(["list-b", "list-a"]);
    const page = await api(url, "GET", "/api/v1/agents?q=list-&limit=1&offset=1&sort=name");
    expect(page.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.body.agents.map((a: any) => a.id)).toEqual(["list-a"]);
    const stats = await api(url, "GET", "/api/v1/stats");
    expect(page.body.cursor).toBe(stats.body.events.last_id);
    expect(stats.body.agents.by_health.unhealthy).toBeGreaterThanOrEqual(1);
    // The health timing this server was started with (5s / 30s), for clients judging staleness.
    expect(stats.body.health).toEqual({ heartbeat_interval_ms: 5000, offline_after_ms: 30_000, sweep_interval_ms: 1000 });
  });
});

describe("bad input gets a 4xx problem and changes nothing", () => {
  const cases: [string, () => Promise<{ status: number; body: any }>, number, string, string?][] = [
    ["malformed JSON", () => api(url, "POST", "/api/v1/agents", '{"id": "x",'), 400, "malformed_json"],
    ["wrong type", () => api(url, "POST", "/api/v1/agents", { ...card("bad-1"), version: 3 }), 400, "validation_failed", "body.version"],
    ["unknown field", () => api(url, "POST", "/api/v1/agents", { ...card("bad-2"), colour: "red" }), 400, "validation_failed", "body.colour"],
    ["missing field", () => api(url, "POST", "/api/v1/agents", { id: "bad-3", name: "x" }), 400, "validation_failed", "body.version"],
    ["forbidden id characters", () => api(url, "POST", "/api/v1/agents", card("bad id/../x")), 400, "validation_failed", "body.id"],
    ["id too long", () => api(url, "POST", "/api/v1/agents", card("x".repeat(101))), 400, "validation_failed", "body.id"],
    ["endpoint not a URL", () => api(url, "POST", "/api/v1/agents", card("bad-4", { endpoint: "not a url" })), 400, "validation_failed", "body.endpoint"],
    ["unknown protocol", () => api(url, "POST", "/api/v1/agents", card("bad-5", { protocol: "smtp" as never })), 400, "validation_failed", "body.protocol"],
    [
      "duplicate skill names",
      () => api(url, "POST", "/api/v1/agents", card("bad-6", { skills: [{ name: "s", description: "" }, { name: "s", description: "" }] })),
      400,
      "duplicate_skill",
      "body.skills[1].name",
    ],
    ["metadata too large", () => api(url, "POST", "/api/v1/agents", card("bad-7", { metadata: { big: "x".repeat(5000) } })), 400, "metadata_too_large", "body.metadata"],
    ["oversized body", () => api(url, "POST", "/api/v1/agents", card("bad-8", { description: "y".repeat(70_000) })), 413, "payload_too_large"],
    ["not JSON", () => api(url, "POST", "/api/v1/agents", "id=x", undefined, { "content-type": "text/plain" }), 415, "unsupported_media_type"],
    ["bad query value", () => api(url, "GET", "/api/v1/agents?sort=colour"), 400, "validation_failed", "query.sort"],
    ["bad limit", () => api(url, "GET", "/api/v1/agents?limit=5000"), 400, "validation_failed", "query.limit"],
    ["unknown query parameter", () => api(url, "GET", "/api/v1/agents?colour=red"), 400, "validation_failed", "query.colour"],
    // Identity first: a token that verifies as nothing is a 401 whether or not the id exists.
    ["heartbeat with a made-up token", () => api(url, "POST", "/api/v1/agents/ghost/heartbeat", {}, "amt_x"), 401, "unauthorized"],
    ["PATCH of an unknown agent (admin)", () => api(url, "PATCH", "/api/v1/agents/ghost", { name: "x" }, ADMIN), 404, "agent_not_found"],
    ["bad heartbeat status", () => api(url, "POST", "/api/v1/agents/victim/heartbeat", { status: "offline" }, victimToken), 400, "validation_failed", "body.status"],
    ["heartbeat without a token", () => api(url, "POST", "/api/v1/agents/victim/heartbeat", {}), 401, "unauthorized"],
    ["heartbeat with another agent's token", () => api(url, "POST", "/api/v1/agents/victim/heartbeat", {}, otherToken), 403, "forbidden"],
    ["heartbeat with the admin token (cannot fake heartbeats)", () => api(url, "POST", "/api/v1/agents/victim/heartbeat", {}, ADMIN), 403, "forbidden"],
    ["PATCH without a token", () => api(url, "PATCH", "/api/v1/agents/victim", { name: "pwned" }), 401, "unauthorized"],
    ["PATCH with another agent's token", () => api(url, "PATCH", "/api/v1/agents/victim", { name: "pwned" }, otherToken), 403, "forbidden"],
    ["PATCH with an empty body", () => api(url, "PATCH", "/api/v1/agents/victim", {}, ADMIN), 400, "validation_failed"],
    ["PATCH of the id", () => api(url, "PATCH", "/api/v1/agents/victim", { id: "other" }, ADMIN), 400, "validation_failed", "body.id"],
    ["DELETE with another agent's token", () => api(url, "DELETE", "/api/v1/agents/victim", undefined, otherToken), 403, "forbidden"],
    ["malformed Authorization", () => api(url, "DELETE", "/api/v1/agents/victim", undefined, undefined, { authorization: "Basic abc" }), 401, "unauthorized"],
    ["bad report outcome", () => api(url, "POST", "/api/v1/agents/victim/reports", { outcome: "meh" }, otherToken), 400, "validation_failed", "body.outcome"],
    ["report without a token", () => api(url, "POST", "/api/v1/agents/victim/reports", { outcome: "success" }), 401, "unauthorized"],
    ["unknown route", () => api(url, "GET", "/api/v1/nope"), 404, "not_found"],
  ];

  let victimToken = "";
  let otherToken = "";
  beforeAll(async () => {
    victimToken = await register(url, "victim");
    otherToken = await register(url, "bystander");
  });

  it.each(cases)("%s", async (_name, call, status, code, field) => {
    const before = await snapshot();
    const r = await call();
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ status, code, type: expect.stringContaining("/problems/"), title: expect.any(String) });
    expect(typeof r.body.detail).toBe("string");
    expect(r.body.detail.length).toBeGreaterThan(5);
    if (field) expect(r.body.errors.map((e: any) => e.field)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });
});

describe("operational routes", () => {
  it("healthz, readyz, metrics, the OpenAPI document and the docs page", async () => {
    expect((await api(url, "GET", "/healthz")).body).toEqual({ status: "ok" });
    expect((await api(url, "GET", "/readyz")).body).toEqual({ status: "ready", store: "sqlite" });
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    for (const name of ["agentmesh_sse_subscribers", "agentmesh_events_published_total", "agentmesh_sse_frames_delivered_total", "agentmesh_sse_slow_consumer_disconnects_total", "agentmesh_sse_replays_total", "agentmesh_sse_resets_total", 'agentmesh_agents{health="healthy"}']) {
      expect(metrics).toContain(name);
    }
    const doc = await api(url, "GET", "/openapi.json");
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/v1/agents", "/api/v1/agents/{id}/heartbeat", "/api/v1/events"]));
    // The body is a card, or an A2A card by URL or inline.
    const body = doc.body.paths["/api/v1/agents"].post.requestBody.content["application/json"].schema;
    expect(body.anyOf.map((b: { properties: object }) => Object.keys(b.properties)[0])).toEqual(["id", "card_url", "a2a_card"]);
    expect(body.anyOf[0].properties.endpoint.format).toBe("uri");
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
  });
});
