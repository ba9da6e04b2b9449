/**
 * Selectors over real HTTP on SQLite and PostgreSQL (issue 15 §1–2): every
 * validation fault is a 400 naming its part on the list, the stream and the
 * history; the list and the stream select the same agents; a selector stream
 * carries `match`, and the same events with the same `match` live, resumed
 * from the window, resumed from the store, after a restart, on another
 * PostgreSQL instance, and in /events/history. Events without a prior record
 * give selector streams a `reset` (reason `match_unknown`), plain streams
 * nothing new.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { api, register, waitFor, type TestServer } from "../helpers.js";
import { sql } from "../scale/pg.js";
import { Deployment, expectedMatches, head, history, matchedOf, receivedUpTo, selectorOf, type Kind, type Matched } from "./support.js";

let deployment: Deployment | undefined;

afterEach(async () => {
  await deployment?.destroy();
  deployment = undefined;
});

const heartbeat = (s: TestServer, id: string, token: string, status: string) => api(s.url, "POST", `/api/v1/agents/${id}/heartbeat`, { status }, token);
const patch = (s: TestServer, id: string, token: string, body: object) => api(s.url, "PATCH", `/api/v1/agents/${id}`, body, token);

/** Changes that move agents in and out of SELECTORS: registrations, health, tags, deregistration. */
async function script(s: TestServer): Promise<void> {
  const a = await register(s.url, "alpha", { tags: ["x"] });
  const b = await register(s.url, "beta", { tags: ["x", "y"] });
  const c = await register(s.url, "gamma", { tags: ["y"], description: "summarizes text" });
  for (const [id, token, status] of [
    ["alpha", a, "healthy"],
    ["beta", b, "healthy"],
    ["gamma", c, "degraded"],
    ["alpha", a, "degraded"],
    ["alpha", a, "healthy"],
  ] as const) {
    expect((await heartbeat(s, id, token, status)).status).toBe(200);
  }
  expect((await patch(s, "alpha", a, { description: "now it summarizes" })).status).toBe(200);
  expect((await patch(s, "beta", b, { tags: ["y"] })).status).toBe(200);
  expect((await patch(s, "gamma", c, { tags: ["x", "y"] })).status).toBe(200);
  expect((await heartbeat(s, "gamma", c, "healthy")).status).toBe(200);
  expect((await api(s.url, "DELETE", "/api/v1/agents/alpha", undefined, a)).status).toBe(204);
  expect((await api(s.url, "DELETE", "/api/v1/agents/beta", undefined, b)).status).toBe(204);
}

const SELECTORS = ["health=healthy&tag=x", "tag=y", "q=summar&health=healthy,degraded"];

/** The (id, match) a stream with `query` received after `after`. */
function received(stream: { events(): any[] }): Matched[] {
  return matchedOf(stream.events());
}

describe.each(["sqlite", "postgres"] as const)("selectors (%s)", (kind: Kind) => {
  it("a bad selector is a 400 naming each bad part, on the list, the stream and the history", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start();
    await register(s.url, "alpha");
    const before = await head(s);
    const faults: [string, string, RegExp][] = [
      // A parameter no route knows is refused by the route's schema.
      ["protocl=a2a", "query.protocl", /is not a known field/],
      ["health=sick", "query.health", /health "sick" is not a health status/],
      ["protocol=smtp", "query.protocol", /protocol "smtp"/],
      ["tier=gold", "query.tier", /tier "gold"/],
      ["tag=a%7Cb", "query.tag", /must not contain \|/],
      [`tag=${"t".repeat(51)}`, "query.tag", /longer than 50 characters/],
      [Array.from({ length: 21 }, (_, i) => `tag=t${i}`).join("&"), "query.tag", /21 different values; at most 20/],
      ["q=a&q=b", "query.q", /give it once/],
      ["min_trust=high", "query.min_trust", /must be a number from 0 to 1/],
      ["min_trust=1.5", "query.min_trust", /from 0 to 1; got "1.5"/],
      ["provider=a&provider=b", "query.provider", /give it once/],
    ];
    for (const path of ["/api/v1/agents", "/api/v1/events", "/api/v1/events/history"]) {
      for (const [query, field, message] of faults) {
        const r = await api(s.url, "GET", `${path}?${query}`);
        expect(r.status, `${path}?${query}`).toBe(400);
        expect(r.headers.get("content-type")).toMatch(/application\/problem\+json/);
        expect(r.body.code).toBe("validation_failed");
        expect(r.body.errors.map((e: { field: string }) => e.field), `${path}?${query}`).toContain(field);
        expect(r.body.errors.find((e: { field: string }) => e.field === field).message).toMatch(message);
      }
      // All faults at once.
      const both = await api(s.url, "GET", `${path}?health=sick&min_trust=2`);
      expect(both.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["query.health", "query.min_trust"]);
    }
    expect(await head(s)).toBe(before);
  });

  it("the list answers the selector; old list URLs keep their meaning", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start();
    await script(s);
    const ids = async (query: string) => (await api(s.url, "GET", `/api/v1/agents?${query}`)).body.agents.map((a: { id: string }) => a.id);
    expect(await ids("tag=y")).toEqual(["gamma"]);
    expect(await ids("tag=x&tag=y")).toEqual(["gamma"]);
    expect(await ids("health=healthy,degraded")).toEqual(["gamma"]);
    expect(await ids("health=degraded")).toEqual([]);
    expect(await ids("protocol=http&q=SUMMAR")).toEqual(["gamma"]);
    expect(await ids("protocol=a2a")).toEqual([]);
    const t = await register(s.url, "delta", { tags: ["x"] });
    expect((await heartbeat(s, "delta", t, "healthy")).status).toBe(200);
    expect(await ids("health=healthy&tag=x")).toEqual(["delta", "gamma"]);
    expect(await ids("health=healthy&tag=x&tag=")).toEqual(["delta", "gamma"]);
    expect(await ids("tag=X&skill=ECHO&health=healthy")).toEqual(["delta", "gamma"]);
  });

  it("match is the same live, resumed from the window, from the store, in the history, after a restart, and on another instance", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start();
    const other = kind === "postgres" ? await deployment.start() : undefined;
    const start = await head(s);
    const live = await Promise.all(SELECTORS.map((q) => deployment!.stream(s, `?${q}`)));
    const elsewhere = other ? await Promise.all(SELECTORS.map((q) => deployment!.stream(other, `?${q}`))) : [];
    const plain = await deployment.stream(s, "");
    await script(s);
    const end = await head(s);
    await receivedUpTo(plain, end, "the plain stream to catch up");
    const log = await history(s.url, start);
    expect(log.length).toBe(end - start);
    // The plain stream is unchanged: no match anywhere.
    expect(plain.events().every((e) => !("match" in e))).toBe(true);

    const expected = SELECTORS.map((q) => expectedMatches(log, selectorOf(q)));
    // The script moves agents in and out of every selector.
    for (const e of expected) expect(new Set(e.map((m) => m.match))).toEqual(new Set(["entered", "stayed", "left"]));
    // Hand-checked: alpha turning degraded leaves "healthy x", turning healthy enters it again.
    const alphaHealth = log.filter((e) => e.agent_id === "alpha" && e.type === "agent_health_changed").map((e) => e.status);
    expect(alphaHealth).toEqual(["healthy", "degraded", "healthy"]);
    expect(expected[0].filter((m) => m.agent_id === "alpha" && m.type === "agent_health_changed").map((m) => m.match)).toEqual(["entered", "left", "entered"]);

    const check = async (streams: { events(): any[]; frames: { id?: string }[] }[], what: string) => {
      for (const [i, stream] of streams.entries()) {
        const last = expected[i][expected[i].length - 1].id;
        await receivedUpTo(stream as never, last, `${what}: ${SELECTORS[i]}`);
        expect(received(stream), `${what}: ${SELECTORS[i]}`).toEqual(expected[i]);
      }
    };
    await check(live, "live");
    if (other) await check(elsewhere, "live on another instance");
    await check(await Promise.all(SELECTORS.map((q) => deployment!.stream(s, `?${q}&last_event_id=${start}`))), "resumed from the window");
    s.app.hub.forgetWindow();
    await check(await Promise.all(SELECTORS.map((q) => deployment!.stream(s, `?${q}&last_event_id=${start}`))), "resumed from the store");
    for (const [i, q] of SELECTORS.entries()) expect(matchedOf(await history(s.url, start, q)), `history ${q}`).toEqual(expected[i]);

    // A restart: a new process on the same data (on PostgreSQL, also the other instance).
    for (const server of [...deployment.servers]) await deployment.stop(server);
    const again = await deployment.start();
    await check(await Promise.all(SELECTORS.map((q) => deployment!.stream(again, `?${q}&last_event_id=${start}`))), "resumed after a restart");
    // Types and agent ids still filter a selector stream.
    const typed = await deployment.stream(again, `?${SELECTORS[0]}&types=agent_health_changed&agent_id=alpha&last_event_id=${start}`);
    const want = expected[0].filter((m) => m.type === "agent_health_changed" && m.agent_id === "alpha");
    await receivedUpTo(typed, want[want.length - 1].id, "the typed stream");
    expect(received(typed)).toEqual(want);
  });

  it("a quiet selector stream gets bookmarks, and resumes from one after pruning without a reset and without missing an entry", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start({ keepalive: "200ms" });
    const watched = await register(s.url, "watched", { tags: ["quiet"] });
    const other = await register(s.url, "other");
    const start = await head(s);
    const quiet = await deployment.stream(s, `?tag=quiet&health=healthy&last_event_id=${start}`);
    // Changes the selector does not see: another agent, and the watched one staying outside (not healthy).
    for (let i = 0; i < 4; i++) expect((await patch(s, "other", other, { version: `1.${i}` })).status).toBe(200);
    expect((await heartbeat(s, "watched", watched, "degraded")).status).toBe(200);
    const moved = await head(s);
    await waitFor(() => quiet.bytes.includes(`\nid: ${moved}\n\n`), "the bookmark");
    expect(quiet.frames).toEqual([]);
    quiet.close();
    await s.store.prune(1, 0);
    expect(start).toBeLessThan((await s.store.eventBounds()).oldest! - 1);
    const resumed = await deployment.stream(s, `?tag=quiet&health=healthy&last_event_id=${moved}`);
    expect((await heartbeat(s, "watched", watched, "healthy")).status).toBe(200);
    await waitFor(() => resumed.frames.length > 0, "the entry");
    expect(resumed.frames.map((f) => f.event)).not.toContain("reset");
    expect(JSON.parse(resumed.frames[0].data)).toMatchObject({ type: "agent_health_changed", agent_id: "watched", status: "healthy", match: "entered" });
    // The same commit may move its trust too: that event is already inside.
    expect(resumed.frames.slice(1).map((f) => JSON.parse(f.data).match)).toEqual(resumed.frames.slice(1).map(() => "stayed"));
  });

  it("an event without a prior record (written before 0008) gives a selector stream a reset, and a plain stream nothing new", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start();
    const start = await head(s);
    await script(s);
    const log = await history(s.url, start);
    const health = log.find((e) => e.agent_id === "gamma" && e.type === "agent_health_changed");
    if (kind === "sqlite") {
      const db = new BetterSqlite3(s.dbFile);
      db.prepare("update events set prior = null where id = ?").run(health.id);
      db.close();
    } else {
      await sql("update events set prior = null where id = $1", [health.id], deployment.schema!.url);
    }
    s.app.hub.forgetWindow();
    const selective = await deployment.stream(s, `?tag=y&last_event_id=${start}`);
    await waitFor(() => selective.frames.find((f) => f.event === "reset"), "the reset");
    const reset = JSON.parse(selective.frames.find((f) => f.event === "reset")!.data);
    expect(reset).toMatchObject({ type: "reset", reason: "match_unknown", cursor: await head(s) });
    // Nothing after the event that could not say: the events before it, then the reset.
    expect(selective.events().every((e) => e.id < health.id)).toBe(true);
    // The history answers the same: a page up to that event, and reset.
    const page = await api(s.url, "GET", `/api/v1/events/history?after=${start}&tag=y`);
    expect(page.body.reset).toBe(true);
    expect(page.body.events.every((e: { id: number }) => e.id < health.id)).toBe(true);
    // A stream without a selector needs no prior record: it replays everything, no reset.
    const plain = await deployment.stream(s, `?last_event_id=${start}`);
    await receivedUpTo(plain, await head(s), "the plain stream");
    expect(plain.frames.some((f) => f.event === "reset")).toBe(false);
    expect(plain.events().length).toBe(log.length);
  });
});
