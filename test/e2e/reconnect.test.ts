/**
 * The server goes away while the page is open: the indicator says so, the
 * page reconnects by itself when the server is back, and what changed while it
 * was down shows up without a reload.
 */
import { describe, expect, it } from "vitest";
import { badgeOf, countRequests, openDashboard, PATIENCE, row, waitForStatus } from "./support/dashboard.js";
import { Beater, card, RegistryClient } from "./support/registry.js";
import { startSibling } from "./support/server.js";
import { useServerAndBrowser } from "./support/suite.js";

// Slow health timings: only the changes this test makes should move badges.
const e2e = useServerAndBrowser({ heartbeatInterval: "10s", offlineAfter: "60s" });

describe("server restart", () => {
  it("shows reconnecting while the server is down and catches up without a reload when it is back", async () => {
    const client = new RegistryClient(e2e.server.url);
    const stays = await client.register(card("stays"));
    const leaves = await client.register(card("leaves"));
    await client.heartbeat("stays", stays.token);

    const { page } = e2e.browser;
    await openDashboard(page, e2e.server.url);
    await row(page, "leaves").waitFor({ timeout: PATIENCE });
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));
    const streams = countRequests(page, "GET", "/api/v1/events");

    await e2e.server.stop();
    await waitForStatus(page, "reconnecting");
    expect(await page.locator('[data-testid="connection"]').textContent()).toContain("reconnecting");

    // While the page's server is down, another instance on the same database changes things.
    const sibling = await startSibling(e2e.server.dbFile, { heartbeatInterval: "10s", offlineAfter: "60s" });
    const other = new RegistryClient(sibling.url);
    await other.register(card("arrived-while-down", { name: "Arrived while down" }));
    await other.heartbeat("stays", stays.token, "degraded", "disk almost full");
    await other.deregister("leaves", leaves.token);
    await sibling.close(50);

    await e2e.server.restart();
    await waitForStatus(page, "live", 30_000);
    await row(page, "arrived-while-down").waitFor({ timeout: PATIENCE });
    await row(page, "leaves").waitFor({ state: "detached", timeout: PATIENCE });
    await page.locator('[data-agent-id="stays"] [data-status="degraded"]').waitFor({ timeout: PATIENCE });
    expect(await badgeOf(page, "stays").getAttribute("data-status")).toBe("degraded");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same page");
    expect(streams.count).toBeGreaterThan(0);

    // And it is live again, not just caught up.
    const beater = await new Beater(client, "stays", stays.token, "healthy").start();
    try {
      await page.locator('[data-agent-id="stays"] [data-status="healthy"]').waitFor({ timeout: PATIENCE });
    } finally {
      beater.stop();
    }
  });
});
