/**
 * Bookmarks in Chromium's own EventSource (the WHATWG one): a filtered stream
 * that stayed quiet while the log moved on, and whose starting point was then
 * pruned, reconnects with the bookmark as its Last-Event-ID, gets no `reset`,
 * and misses no match. Real server, real browser, a real connection drop.
 */
import { describe, expect, it } from "vitest";
import { PATIENCE } from "./support/dashboard.js";
import { card, RegistryClient } from "./support/registry.js";
import { useServerAndBrowser } from "./support/suite.js";
import { waitFor } from "../helpers.js";

// A short keep-alive: the bookmark rides on it.
const e2e = useServerAndBrowser({ keepalive: "200ms", heartbeatInterval: "10s", offlineAfter: "60s" });

type Seen = { type: string; id: string }[];

describe("bookmarks in a browser", () => {
  it("a quiet filtered stream resumes from its bookmark after its starting point was pruned: no reset, no missed match", async () => {
    const { page } = e2e.browser;
    const running = e2e.server.running!;
    const client = new RegistryClient(e2e.server.url);
    const watched = await client.register(card("watched"));
    const other = await client.register(card("other"));
    const { cursor: start } = await client.get<{ cursor: number }>("/agents");

    const resumeIds: Promise<string | null>[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/v1/events")) resumeIds.push(r.allHeaders().then((h) => h["last-event-id"] ?? null));
    });
    await page.goto(`${e2e.server.url}/healthz`); // any page of the registry's origin; no dashboard stream beside ours
    await page.evaluate((url) => {
      const w = window as unknown as { seen: Seen; es: EventSource };
      w.seen = [];
      w.es = new EventSource(url);
      for (const type of ["agent_updated", "reset", "message"]) w.es.addEventListener(type, (e) => w.seen.push({ type, id: (e as MessageEvent).lastEventId }));
    }, `/api/v1/events?agent_id=watched&last_event_id=${start}`);
    await page.waitForFunction(() => (window as unknown as { es: EventSource }).es.readyState === 1, undefined, { timeout: PATIENCE });
    const seen = () => page.evaluate(() => (window as unknown as { seen: Seen }).seen);

    await client.patch("watched", watched.token, { version: "2.0.0" });
    const { cursor: match } = await client.get<{ cursor: number }>("/agents");
    await waitFor(async () => (await seen()).length === 1, "the first match", PATIENCE);

    // The log moves on without the stream; it is sent a bookmark at the new position.
    for (let i = 0; i < 5; i++) await client.patch("other", other.token, { version: `1.${i}.0` });
    const { cursor: moved } = await client.get<{ cursor: number }>("/agents");
    await waitFor(() => running.app.hub.inspect().oldestHeld === moved, "the bookmark", PATIENCE);
    expect(await seen()).toEqual([{ type: "agent_updated", id: String(match) }]); // the bookmark fired nothing

    // Everything before the newest event is pruned, the connection drops, the browser reconnects by itself.
    await running.store.prune(1, 0);
    expect((await running.store.eventBounds()).oldest).toBe(moved);
    running.app.http.server.closeAllConnections();
    await waitFor(() => resumeIds.length === 2 && running.app.hub.size === 1 && running.app.hub.inspect().live === 1, "the reconnect", PATIENCE);
    expect(await Promise.all(resumeIds)).toEqual([null, String(moved)]);

    await client.patch("other", other.token, { version: "9.0.0" });
    await client.patch("watched", watched.token, { version: "3.0.0" });
    await waitFor(async () => (await seen()).length === 2, "the next match", PATIENCE);
    expect(await seen()).toEqual([
      { type: "agent_updated", id: String(match) },
      { type: "agent_updated", id: String(moved + 2) },
    ]);
  });
});
