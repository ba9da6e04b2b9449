/**
 * The event stream end to end: a real server on a temporary SQLite file, the
 * `eventsource` package (what Node programs use) and a raw byte-level reader.
 */
import { EventSource } from "eventsource";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ADMIN, api, openStream, register, startTestServer, waitFor, type RawStream, type TestServer } from "../helpers.js";

let server: TestServer;
const streams: { close(): void }[] = [];

beforeEach(async () => {
  server = await startTestServer({ heartbeatInterval: "200ms", offlineAfter: "600ms", sweepInterval: "100ms" });
});

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await server.destroy();
});

async function stream(query = "", headers: Record<string, string> = {}): Promise<RawStream> {
  const s = await openStream(server.url, query, headers);
  streams.push(s);
  return s;
}

describe("frames and headers", () => {
  it("answers text/event-stream with no-cache, no buffering, no compression, a jittered retry and exact frames", async () => {
    const s = await stream("", { "accept-encoding": "gzip, br" });
    expect(s.status).toBe(200);
    expect(s.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(s.headers["cache-control"]).toBe("no-cache, no-transform");
    expect(s.headers["x-accel-buffering"]).toBe("no");
    expect(s.headers["content-encoding"]).toBeUndefined();
    expect(s.retries).toHaveLength(1);
    expect(s.retries[0]).toBeGreaterThanOrEqual(2400);
    expect(s.retries[0]).toBeLessThanOrEqual(3600);

    await register(server.url, "alpha");
    await waitFor(() => s.frames.length === 1, "the registration event");
    const [frame] = s.frames;
    expect(frame.event).toBe("agent_registered");
    expect(frame.id).toMatch(/^\d+$/);
    const data = JSON.parse(frame.data);
    expect(data).toMatchObject({ type: "agent_registered", agent_id: "alpha", agent: { id: "alpha", revision: 1, health_status: "unknown" } });
    expect(typeof data.timestamp).toBe("string");
    // the exact bytes: id, event, one data line, blank line
    expect(s.bytes).toContain(`id: ${frame.id}\nevent: agent_registered\ndata: {`);
    expect(s.bytes).toMatch(/data: \{[^\n]*\}\n\n/);
  });

  it("never carries a secret: no token, no token hash", async () => {
    const s = await stream();
    const token = await register(server.url, "secretive");
    await api(server.url, "POST", "/api/v1/agents/secretive/heartbeat", { status: "degraded" }, token);
    await waitFor(() => s.frames.length >= 2, "two events");
    expect(s.bytes).not.toContain(token);
    expect(s.bytes).not.toMatch(/token/i);
  });

  it("keeps user-supplied CR/LF inside the JSON: no field injection", async () => {
    const s = await stream();
    const token = await register(server.url, "inject");
    const evil = "line1\r\nline2\n\nevent: hacked\r\n\r\nid: 999999\rdata: x";
    const r = await api(server.url, "PATCH", "/api/v1/agents/inject", { description: evil, metadata: { note: "\r\n\r\nevent: x" } }, token);
    expect(r.status).toBe(200);
    await waitFor(() => s.frames.length === 2, "the update event");
    expect(s.frames.map((f) => f.event)).toEqual(["agent_registered", "agent_updated"]);
    const updated = JSON.parse(s.frames[1].data);
    expect(updated.agent.description).toBe(evil);
    expect(updated.agent.metadata.note).toBe("\r\n\r\nevent: x");
    expect(s.frames.some((f) => f.event === "hacked" || f.id === "999999")).toBe(false);
  });
});

describe("events from the registry", () => {
  it("the seed scenario: heartbeats, silence, offline with previous_status", async () => {
    const s = await stream("?types=agent_health_changed");
    const token = await register(server.url, "seed");
    const hb = await api(server.url, "POST", "/api/v1/agents/seed/heartbeat", {}, token);
    expect(hb.status).toBe(200);
    expect(hb.body).toMatchObject({ agent_id: "seed", health_status: "healthy", changed: true, heartbeat_interval_ms: 200, offline_after_ms: 600 });
    // a heartbeat that changes nothing publishes nothing
    await api(server.url, "POST", "/api/v1/agents/seed/heartbeat", {}, token);
    await waitFor(() => s.frames.length >= 2, "offline after the heartbeats stop");
    const events = s.events();
    expect(events.map((e) => [e.status, e.previous_status])).toEqual([
      ["healthy", "unknown"],
      ["offline", "healthy"],
    ]);
    expect(events[1].agent.health_status).toBe("offline");
    expect(events[1].agent.revision).toBeGreaterThan(events[0].agent.revision);
    // exactly once, even though the sweeper keeps running
    await new Promise((r) => setTimeout(r, 400));
    expect(s.events().filter((e) => e.status === "offline")).toHaveLength(1);
    // a heartbeat brings it back, announced
    await api(server.url, "POST", "/api/v1/agents/seed/heartbeat", { status: "degraded", message: "slow disk" }, token);
    await waitFor(() => s.frames.length >= 3, "the comeback");
    expect(s.events()[2]).toMatchObject({ status: "degraded", previous_status: "offline", message: "slow disk" });
  });

  it("registration, update, deregistration with revisions; trust changes with score and reason", async () => {
    const s = await stream();
    const token = await register(server.url, "lifecycle");
    await api(server.url, "PATCH", "/api/v1/agents/lifecycle", { version: "2.0.0" }, token);
    await api(server.url, "POST", "/api/v1/agents/lifecycle/heartbeat", { status: "unhealthy" }, token);
    await api(server.url, "DELETE", "/api/v1/agents/lifecycle", undefined, ADMIN);
    await waitFor(() => s.frames.some((f) => f.event === "agent_deregistered"), "deregistration");
    const events = s.events();
    expect(events.map((e) => e.type)).toEqual(["agent_registered", "agent_updated", "agent_health_changed", "trust_score_changed", "agent_deregistered"]);
    expect(events[1]).toMatchObject({ changed: ["version"], agent: { version: "2.0.0", revision: 2 } });
    expect(events[2]).toMatchObject({ source: "heartbeat", status: "unhealthy", agent: { revision: 3 } });
    expect(events[3]).toMatchObject({ previous_score: 0.5, tier: "experimental", reason: "reported unhealthy", agent: { revision: 3 } });
    expect(events[3].score).toBeLessThan(0.5);
    expect(events[4]).toEqual({ id: events[4].id, type: "agent_deregistered", agent_id: "lifecycle", timestamp: events[4].timestamp, revision: 3, reason: "deregistered" });
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("filters by type and by agent (repeatable) deliver only what matches", async () => {
    const byType = await stream("?types=agent_updated,agent_deregistered");
    const byAgent = await stream("?agent_id=f1&agent_id=f3");
    const both = await stream("?types=agent_updated&agent_id=f2");
    const tokens = { f1: await register(server.url, "f1"), f2: await register(server.url, "f2"), f3: await register(server.url, "f3") };
    for (const [id, token] of Object.entries(tokens)) await api(server.url, "PATCH", `/api/v1/agents/${id}`, { version: "9" }, token);
    await api(server.url, "DELETE", "/api/v1/agents/f3", undefined, tokens.f3);
    await waitFor(() => byType.frames.length === 4 && byAgent.frames.length === 5 && both.frames.length === 1, "filtered events");
    expect(byType.events().map((e) => `${e.type}:${e.agent_id}`)).toEqual(["agent_updated:f1", "agent_updated:f2", "agent_updated:f3", "agent_deregistered:f3"]);
    expect(new Set(byAgent.events().map((e) => e.agent_id))).toEqual(new Set(["f1", "f3"]));
    expect(both.events().map((e) => `${e.type}:${e.agent_id}`)).toEqual(["agent_updated:f2"]);
  });

  it("rejects an unknown type and a malformed resume id with a problem", async () => {
    const bad = await api(server.url, "GET", "/api/v1/events?types=agent_updated,nope");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "validation_failed" });
    expect(bad.body.detail).toContain("nope");
    const badId = await api(server.url, "GET", "/api/v1/events", undefined, undefined, { "last-event-id": "12; drop" });
    expect(badId.status).toBe(400);
    expect(badId.body.code).toBe("invalid_last_event_id");
  });
});

describe("resume", () => {
  async function makeEvents(n: number, id = "r1"): Promise<string> {
    const token = await register(server.url, id);
    for (let i = 0; i < n; i++) await api(server.url, "PATCH", `/api/v1/agents/${id}`, { metadata: { i } }, token);
    return token;
  }

  it("Last-Event-ID replays exactly the missed events, once each, in order, then continues live", async () => {
    const first = await stream();
    const token = await makeEvents(3);
    await waitFor(() => first.frames.length === 4, "first events");
    const lastSeen = first.frames[3].id!;
    first.close();
    for (let i = 10; i < 15; i++) await api(server.url, "PATCH", "/api/v1/agents/r1", { metadata: { i } }, token);
    const again = await stream("", { "last-event-id": lastSeen });
    await waitFor(() => again.frames.length === 5, "the missed events");
    await api(server.url, "PATCH", "/api/v1/agents/r1", { metadata: { i: 99 } }, token);
    await waitFor(() => again.frames.length === 6, "the live event");
    expect(again.events().map((e) => e.agent.metadata.i)).toEqual([10, 11, 12, 13, 14, 99]);
    const ids = again.frames.map((f) => Number(f.id));
    expect(ids[0]).toBe(Number(lastSeen) + 1);
    expect(ids).toEqual(ids.map((_, k) => ids[0] + k));
  });

  it("the header wins over last_event_id; the query parameter alone works too", async () => {
    await makeEvents(4);
    const viaQuery = await stream("?last_event_id=3");
    const headerWins = await stream("?last_event_id=1", { "last-event-id": "4" });
    await waitFor(() => viaQuery.frames.length === 2 && headerWins.frames.length === 1, "replays");
    expect(viaQuery.frames.map((f) => f.id)).toEqual(["4", "5"]);
    expect(headerWins.frames.map((f) => f.id)).toEqual(["5"]);
  });

  it("no gap and no duplicate when events keep arriving during a replay from the store", async () => {
    // Events older than the hub's in-memory window must come from the store.
    const token = await makeEvents(30);
    server.app.hub.forgetWindow();
    let writing = true;
    const writer = (async () => {
      let i = 1000;
      while (writing) await api(server.url, "PATCH", "/api/v1/agents/r1", { metadata: { i: i++ } }, token);
    })();
    const s = await stream("?last_event_id=0");
    await waitFor(() => s.frames.length > 60, "replay plus live events");
    writing = false;
    await writer;
    const last = (await api(server.url, "GET", "/api/v1/stats")).body.events.last_id as number;
    await waitFor(() => Number(s.frames.at(-1)?.id) === last, "the last event");
    const ids = s.frames.map((f) => Number(f.id));
    expect(ids).toEqual(ids.map((_, k) => k + 1));
  });

  it("a resume point older than the retained history gets a reset with the cursor, then live", async () => {
    await server.destroy();
    server = await startTestServer({ historyMaxEvents: "5" });
    await makeEvents(9, "r2");
    expect(await server.store.prune(5, 0)).toBeGreaterThan(0);
    server.app.hub.forgetWindow();
    const s = await stream("", { "last-event-id": "1" });
    await waitFor(() => s.frames.length === 1, "reset");
    expect(s.frames[0].event).toBe("reset");
    expect(s.frames[0].id).toBe("10");
    expect(JSON.parse(s.frames[0].data)).toEqual({ type: "reset", cursor: 10, reason: "history_pruned", requested: 1 });
    const history = await api(server.url, "GET", "/api/v1/events/history?after=1");
    expect(history.body.reset).toBe(true);
  });

  it("an unknown (future) id gets a reset too", async () => {
    await makeEvents(1, "r3");
    const s = await stream("?last_event_id=500");
    await waitFor(() => s.frames.length === 1, "reset");
    expect(JSON.parse(s.frames[0].data)).toMatchObject({ type: "reset", reason: "unknown_event_id", cursor: 2, requested: 500 });
  });

  it("the eventsource client resumes by itself after the server drops it", async () => {
    const token = await register(server.url, "es");
    const es = new EventSource(`${server.url}/api/v1/events?agent_id=es`);
    streams.push(es);
    const seen: number[] = [];
    es.addEventListener("agent_updated", (e) => seen.push(JSON.parse(e.data).agent.metadata.i));
    await new Promise((r) => es.addEventListener("open", r, { once: true }));
    await api(server.url, "PATCH", "/api/v1/agents/es", { metadata: { i: 1 } }, token);
    await waitFor(() => seen.length === 1, "first event");
    // drop every stream from the server side, then write while the client is away
    for (const sub of [...server.app.hub["all"]]) sub.sink.destroy();
    await api(server.url, "PATCH", "/api/v1/agents/es", { metadata: { i: 2 } }, token);
    await api(server.url, "PATCH", "/api/v1/agents/es", { metadata: { i: 3 } }, token);
    await waitFor(() => seen.length === 3, "events missed while disconnected", 15_000);
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe("history", () => {
  it("GET /events/history gives the same events as JSON with ids, filters and paging", async () => {
    const token = await register(server.url, "h1");
    await register(server.url, "h2");
    await api(server.url, "PATCH", "/api/v1/agents/h1", { version: "2" }, token);
    const all = await api(server.url, "GET", "/api/v1/events/history");
    expect(all.status).toBe(200);
    expect(all.body.events.map((e: any) => [e.id, e.type, e.agent_id])).toEqual([
      [1, "agent_registered", "h1"],
      [2, "agent_registered", "h2"],
      [3, "agent_updated", "h1"],
    ]);
    expect(all.body).toMatchObject({ cursor: 3, reset: false });
    const page = await api(server.url, "GET", "/api/v1/events/history?after=1&limit=1&agent_id=h1");
    expect(page.body.events.map((e: any) => e.id)).toEqual([3]);
    const bad = await api(server.url, "GET", "/api/v1/events/history?limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe("query.limit");
  });
});
