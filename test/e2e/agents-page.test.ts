/**
 * The agents page in real Chromium against a real server: agents appear,
 * change, go offline and disappear on screen, pushed by the event stream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launch, type Browser } from "./support/browser.js";
import { badgeOf, countRequests, openDashboard, PATIENCE, row } from "./support/dashboard.js";
import { Beater, card, RegistryClient } from "./support/registry.js";
import { startE2EServer, type E2EServer } from "./support/server.js";

let server: E2EServer;
let browser: Browser;
let client: RegistryClient;

beforeAll(async () => {
  server = await startE2EServer();
  browser = await launch();
  client = new RegistryClient(server.url);
});
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

async function freshPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await openDashboard(page, server.url);
  return page;
}

describe("agents page", () => {
  it("shows a newly registered agent within a second, without a reload, by refetching only the page on screen", async () => {
    const page = await freshPage();
    const lists = countRequests(page, "GET", "/api/v1/agents");
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    await client.register(card("newcomer", { name: "Newcomer", tags: ["fresh"] }));
    await row(page, "newcomer").waitFor({ timeout: 1_000 });

    expect(await row(page, "newcomer").textContent()).toContain("Newcomer");
    expect(await badgeOf(page, "newcomer").getAttribute("data-status")).toBe("unknown");
    // The rows on screen are read again (one page, coalesced), never the whole fleet.
    expect(lists.count).toBeGreaterThanOrEqual(1);
    for (const url of lists.urls) expect(Number(new URL(url).searchParams.get("limit"))).toBeLessThanOrEqual(100);
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.close();
  });

  it("shows heartbeat status changes on the badge, and offline when heartbeats stop", async () => {
    const page = await freshPage();
    const { token } = await client.register(card("beater"));
    const badge = badgeOf(page, "beater");
    await client.heartbeat("beater", token);
    await page.locator('[data-agent-id="beater"] [data-status="healthy"]').waitFor({ timeout: PATIENCE });
    await client.heartbeat("beater", token, "degraded", "queue backing up");
    await page.locator('[data-agent-id="beater"] [data-status="degraded"]').waitFor({ timeout: PATIENCE });
    expect(await badge.getAttribute("data-status")).toBe("degraded");
    // No more heartbeats: the registry declares it offline (1.5 s here) and the page follows.
    await page.locator('[data-agent-id="beater"] [data-status="offline"]').waitFor({ timeout: PATIENCE });
    expect(await row(page, "beater").locator('[data-testid="heartbeat"]').textContent()).toMatch(/last seen/);
    await page.close();
  });

  it("removes a deregistered agent and updates the totals", async () => {
    const page = await freshPage();
    const { token } = await client.register(card("leaver"));
    await row(page, "leaver").waitFor({ timeout: PATIENCE });
    const before = Number(await page.locator('[data-testid="total-all"]').textContent());
    await client.deregister("leaver", token);
    await row(page, "leaver").waitFor({ state: "detached", timeout: PATIENCE });
    await page.waitForFunction((n) => document.querySelector('[data-testid="total-all"]')?.textContent === String(n), before - 1, { timeout: PATIENCE });
    await page.close();
  });

  it("keeps a filtered view right as an agent leaves it", async () => {
    const { token } = await client.register(card("filtered", { tags: ["needle"] }));
    const beater = await new Beater(client, "filtered", token).start();
    try {
      const page = await browser.context.newPage();
      await openDashboard(page, `${server.url}/?health=healthy&q=needle`);
      await row(page, "filtered").waitFor({ timeout: PATIENCE });
      await beater.set("unhealthy");
      await row(page, "filtered").waitFor({ state: "detached", timeout: PATIENCE });
      await page.locator('[data-testid="empty"]').waitFor({ timeout: PATIENCE });
      await page.close();
    } finally {
      beater.stop();
    }
  });
});
