/**
 * Eight tabs of one browser share one event stream. A browser allows six
 * HTTP/1.1 connections per origin, so eight tabs each holding an EventSource
 * would leave the seventh and eighth waiting forever for their first request.
 * One tab (the leader) holds the stream and relays events to the others; when
 * it closes, another takes over from the last event it saw.
 */
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { countRequests, PATIENCE, row, waitForStatus } from "./support/dashboard.js";
import { card, RegistryClient } from "./support/registry.js";
import { useServerAndBrowser } from "./support/suite.js";

const TABS = 8;

const e2e = useServerAndBrowser({ heartbeatInterval: "10s", offlineAfter: "60s" });

const roleOf = (page: Page) => page.locator('[data-testid="connection"]').getAttribute("data-stream-role");
const badge = (page: Page, id: string, status: string) => page.locator(`[data-agent-id="${id}"] [data-status="${status}"]`);

/** The feed's event ids, to check that nothing was shown twice. */
const feedIds = (page: Page) => page.locator('[data-testid="feed-entry"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-event-id")));

describe("many tabs", () => {
  it("opens eight tabs on one stream, all live; when the leader closes another takes over with no gap and no duplicate", async () => {
    const client = new RegistryClient(e2e.server.url);
    const watched = await client.register(card("watched"));

    const tabs: { page: Page; streams: ReturnType<typeof countRequests> }[] = [];
    for (let i = 0; i < TABS; i++) {
      const page = i === 0 ? e2e.browser.page : await e2e.browser.context.newPage();
      const streams = countRequests(page, "GET", "/api/v1/events");
      await page.goto(e2e.server.url);
      // Without sharing, the seventh tab's list request waits behind six open streams and this times out.
      await waitForStatus(page, "live");
      await row(page, "watched").waitFor({ timeout: PATIENCE });
      tabs.push({ page, streams });
    }
    expect(tabs.reduce((n, t) => n + t.streams.count, 0)).toBe(1);
    const roles = await Promise.all(tabs.map((t) => roleOf(t.page)));
    expect(roles.filter((r) => r === "leader")).toHaveLength(1);
    expect(roles.filter((r) => r === "follower")).toHaveLength(TABS - 1);

    await client.heartbeat("watched", watched.token, "degraded", "first change");
    await Promise.all(tabs.map((t) => badge(t.page, "watched", "degraded").waitFor({ timeout: PATIENCE })));

    const leaderIndex = roles.indexOf("leader");
    const leader = tabs[leaderIndex];
    await leader.page.close();
    const rest = tabs.filter((t) => t !== leader);

    // A change made while no tab may be streaming yet: the new leader resumes from the last id it saw.
    await client.heartbeat("watched", watched.token, "unhealthy", "while the leader changed");
    await client.register(card("after-takeover"));
    await Promise.all(rest.map((t) => row(t.page, "after-takeover").waitFor({ timeout: PATIENCE })));
    await Promise.all(rest.map((t) => badge(t.page, "watched", "unhealthy").waitFor({ timeout: PATIENCE })));

    const after = await Promise.all(rest.map((t) => roleOf(t.page)));
    expect(after.filter((r) => r === "leader")).toHaveLength(1);
    const newLeader = rest[after.indexOf("leader")];
    expect(newLeader.streams.count).toBe(1);
    expect(new URL(newLeader.streams.urls[0]).searchParams.get("last_event_id")).not.toBe("0");
    expect(rest.reduce((n, t) => n + t.streams.count, 0)).toBe(1);

    await client.heartbeat("watched", watched.token, "healthy");
    await Promise.all(rest.map((t) => badge(t.page, "watched", "healthy").waitFor({ timeout: PATIENCE })));
    for (const t of rest) {
      const ids = await feedIds(t.page);
      expect(ids.length).toBeGreaterThanOrEqual(4);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});
