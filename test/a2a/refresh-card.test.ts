/**
 * The card refresher, on both stores, against a real card server whose card,
 * validators and caching headers the test changes: a conditional fetch
 * answered 304 changes nothing; a changed card is one `agent_updated` naming
 * the fields; Cache-Control max-age sets the next refresh; a failing card
 * keeps the last good one and shows the error on the agent's health; two
 * instances refreshing at once fetch and announce once. Time is a manual clock.
 * The agents are registered without a probe (`probe: null`), so every fetch of
 * the card counted here is the refresher's (test/probes covers the a2a probe).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers.js";
import { cardV1, listen, PUBLIC_ADDRESS, startRegistry, STORES, type Registry } from "./card-server.js";

const MINUTE = 60_000;

/** What the card server answers now; each test sets it. */
const served = { card: cardV1() as Record<string, unknown>, etag: '"v1"', cacheControl: undefined as string | undefined, status: 200 };
const requests: { path: string; ifNoneMatch: string | undefined }[] = [];

function serveCard(req: IncomingMessage, res: ServerResponse) {
  requests.push({ path: req.url!, ifNoneMatch: req.headers["if-none-match"] });
  if (served.status !== 200) return res.writeHead(served.status, { "content-type": "text/plain" }).end("down");
  const headers: Record<string, string> = { "content-type": "application/json", etag: served.etag };
  if (served.cacheControl) headers["cache-control"] = served.cacheControl;
  if (req.headers["if-none-match"] === served.etag) return res.writeHead(304, headers).end();
  res.writeHead(200, headers).end(JSON.stringify(served.card));
}

let site: Awaited<ReturnType<typeof listen>>;
const registries = new Map<string, Registry>();
beforeAll(async () => {
  site = await listen(serveCard);
  for (const kind of STORES) registries.set(kind, await startRegistry(kind));
}, 60_000);
afterAll(async () => {
  for (const r of registries.values()) await r.destroy();
  await site?.close();
});

describe.each(STORES)("refreshing cards registered by URL (%s)", (kind) => {
  const reg = () => registries.get(kind)!;
  const cardUrl = () => `http://${PUBLIC_ADDRESS}:${site.port}/${kind}/agent-card.json`;
  const id = `refreshed-${kind}`;
  const agent = async () => (await api(reg().url, "GET", `/api/v1/agents/${id}`)).body;
  const updates = async () => (await api(reg().url, "GET", `/api/v1/events/history?agent_id=${id}&types=agent_updated`)).body.events;
  const fetches = () => requests.filter((r) => r.path === `/${kind}/agent-card.json`).length;

  it("registers, then refreshes only when due: a 304 changes nothing", async () => {
    Object.assign(served, { card: cardV1(), etag: '"v1"', cacheControl: undefined, status: 200 });
    expect((await api(reg().url, "POST", "/api/v1/agents", { card_url: cardUrl(), id, probe: null })).status).toBe(201);
    const registered = await agent();
    const before = fetches();

    reg().clock.advance(9 * MINUTE); // --card-refresh is 10m by default
    await reg().app.cardRefresher.runOnce();
    expect(fetches()).toBe(before);

    reg().clock.advance(2 * MINUTE);
    await reg().app.cardRefresher.runOnce();
    expect(fetches()).toBe(before + 1);
    expect(requests.at(-1)!.ifNoneMatch).toBe('"v1"'); // conditional
    expect(await agent()).toEqual(registered); // same revision, same everything
    expect(await updates()).toEqual([]);
  });

  it("announces a changed card once, as agent_updated naming the changed fields", async () => {
    Object.assign(served, { card: { ...cardV1(), name: "GeoSpatial Planner 2", version: "2.0.0" }, etag: '"v2"' });
    const before = await agent();
    reg().clock.advance(11 * MINUTE);
    await reg().app.cardRefresher.runOnce();
    await reg().app.cardRefresher.runOnce(); // nothing is due any more
    const events = await updates();
    expect(events).toHaveLength(1);
    expect(events[0].changed.sort()).toEqual(["name", "version"]);
    const after = await agent();
    expect(after).toMatchObject({ name: "GeoSpatial Planner 2", version: "2.0.0", revision: before.revision + 1, card_url: cardUrl() });
    expect((await api(reg().url, "GET", `/api/v1/agents/${id}/card`)).body).toEqual(served.card);
  });

  it("follows Cache-Control max-age for the next refresh", async () => {
    Object.assign(served, { card: { ...served.card, description: "now cached for two minutes" }, etag: '"v3"', cacheControl: "public, max-age=120" });
    reg().clock.advance(11 * MINUTE);
    await reg().app.cardRefresher.runOnce(); // fetches v3, which says max-age=120
    expect((await updates()).at(-1).changed).toEqual(["description"]);
    const health = (await api(reg().url, "GET", `/api/v1/agents/${id}/health`)).body;
    expect(Date.parse(health.card_refresh.next_refresh_at)).toBe(reg().clock.now() + 2 * MINUTE);
    const before = fetches();
    reg().clock.advance(2 * MINUTE - 1);
    await reg().app.cardRefresher.runOnce();
    expect(fetches()).toBe(before);
    reg().clock.advance(1);
    await reg().app.cardRefresher.runOnce();
    expect(fetches()).toBe(before + 1);
  });

  it("keeps the last good card when a refresh fails, and shows the error on the agent's health", async () => {
    const good = await agent();
    Object.assign(served, { status: 503, cacheControl: undefined });
    reg().clock.advance(3 * MINUTE);
    await reg().app.cardRefresher.runOnce();
    expect(await agent()).toEqual(good);
    expect(await updates()).toHaveLength(2); // still only the two earlier changes
    const health = (await api(reg().url, "GET", `/api/v1/agents/${id}/health`)).body;
    expect(health.card_refresh).toMatchObject({ card_url: cardUrl(), error: { reason: "http_status", message: expect.stringContaining("503") } });
    expect(Date.parse(health.card_refresh.next_refresh_at)).toBe(reg().clock.now() + 10 * MINUTE);
    expect((await api(reg().url, "GET", `/api/v1/agents/${id}/card`)).body.description).toBe("now cached for two minutes");

    served.status = 200; // it recovers: the error is cleared
    reg().clock.advance(10 * MINUTE);
    await reg().app.cardRefresher.runOnce();
    expect((await api(reg().url, "GET", `/api/v1/agents/${id}/health`)).body.card_refresh.error).toBeNull();
  });

  it("with two instances refreshing at once, fetches and announces each change once", async () => {
    const other = await reg().sibling();
    Object.assign(served, { card: { ...served.card, version: "3.0.0" }, etag: '"v4"' });
    const before = fetches();
    reg().clock.advance(11 * MINUTE);
    await Promise.all([reg().app.cardRefresher.runOnce(), other.app.cardRefresher.runOnce()]);
    expect(fetches()).toBe(before + 1);
    const events = await updates();
    expect(events).toHaveLength(3);
    expect(events[2].changed).toEqual(["version"]);
  });
});
