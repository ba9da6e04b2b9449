/**
 * The agents page over a fleet of thousands, in real Chromium: the DOM holds
 * only the rows on screen (the table is virtual and asks the server for
 * pages), scrolling brings other rows in, and a newly registered agent that
 * belongs on the visible page appears there, pushed by the stream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, type Browser } from "./support/browser.js";
import { openDashboard, PATIENCE, row } from "./support/dashboard.js";
import { card, RegistryClient } from "./support/registry.js";
import { seedFleet } from "./support/seed.js";
import { startE2EServer, type E2EServer } from "./support/server.js";

const FLEET = 3_000;

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  // Seeded agents send no heartbeats: a long offline-after keeps the sweeper from turning them all offline at once.
  server = await startE2EServer({ offlineAfter: "1h" }, { seed: (file) => seedFleet(file, FLEET) });
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

const domRows = () => browser.page.locator('[data-testid="agent-row"]').count();

describe(`agents page with ${FLEET} agents`, () => {
  it("keeps far fewer rows in the DOM than the fleet holds, while the scroll height stands for all of them", async () => {
    const { page } = browser;
    await openDashboard(page, server.url);
    await page.locator('[data-testid="agent-row"]').first().waitFor({ timeout: PATIENCE });
    await page.waitForFunction((n) => document.querySelector('[data-testid="total-all"]')?.textContent === String(n), FLEET, { timeout: PATIENCE });
    expect(await domRows()).toBeLessThan(100);
    const scroll = page.locator('[data-testid="agents-scroll"]');
    const { scrollHeight, clientHeight } = await scroll.evaluate((el) => ({ scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }));
    expect(scrollHeight).toBeGreaterThan(FLEET * 30);

    const firstBefore = await page.locator('[data-testid="agent-row"]').first().getAttribute("data-agent-id");
    await scroll.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
    await page.waitForFunction(
      (before) => {
        const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="agent-row"]')];
        return rows.length > 0 && !rows.some((r) => r.dataset.agentId === before);
      },
      firstBefore,
      { timeout: PATIENCE },
    );
    expect(await domRows()).toBeLessThan(100);
    expect(clientHeight).toBeGreaterThan(0);
  });

  it("shows a new agent that belongs on the visible page", async () => {
    const { page } = browser;
    await openDashboard(page, server.url);
    await page.locator('[data-testid="agent-row"]').first().waitFor({ timeout: PATIENCE });
    // Names sort A→Z and every seeded name starts with a lower-case word: "AAA…" is the first row.
    await new RegistryClient(server.url).register(card("aaa-newcomer", { name: "AAA Newcomer" }));
    await row(page, "aaa-newcomer").waitFor({ timeout: PATIENCE });
    expect(await page.locator('[data-testid="agent-row"]').first().getAttribute("data-agent-id")).toBe("aaa-newcomer");
    await page.waitForFunction((n) => document.querySelector('[data-testid="total-all"]')?.textContent === String(n), FLEET + 1, { timeout: PATIENCE });
    expect(await domRows()).toBeLessThan(100);
  });
});
