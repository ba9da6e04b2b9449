/**
 * The server goes away while the page is open: the indicator says so, the
 * page reconnects by itself when the server is back, and what changed while it
 * was down shows up without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, type Browser } from "./support/browser.js";
import { badgeOf, countRequests, openDashboard, PATIENCE, row, waitForStatus } from "./support/dashboard.js";
import { Beater, card, RegistryClient } from "./support/registry.js";
import { startE2EServer, startSibling, type E2EServer } from "./support/server.js";

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  // Slow health timings: only the changes this test makes should move badges.
  server = await startE2EServer({ heartbeatInterval: "10s", offlineAfter: "60s" });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe("server restart", () => {
  it("shows reconnecting while the server is down and catches up without a reload when it is back", async () => {
    const client = new RegistryClient(server.url);
    const stays = await client.register(card("stays"));
    const leaves = await client.register(card("leaves"));
    await client.heartbeat("stays", stays.token);

    const { page } = browser;
    await openDashboard(page, server.url);
    await row(page, "leaves").waitFor({ timeout: PATIENCE });
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));
    const streams = countRequests(page, "GET", "/api/v1/events");

    await server.stop();
    await waitForStatus(page, "reconnecting");
    expect(await page.locator('[data-testid="connection"]').textContent()).toContain("reconnecting");

    // While the page's server is down, another instance on the same database changes things.
    const sibling = await startSibling(server.dbFile, { heartbeatInterval: "10s", offlineAfter: "60s" });
    const other = new RegistryClient(sibling.url);
    await other.register(card("arrived-while-down", { name: "Arrived while down" }));
    await other.heartbeat("stays", stays.token, "degraded", "disk almost full");
    await other.deregister("leaves", leaves.token);
    await sibling.close(50);

    await server.restart();
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
