/**
 * The dashboard for keyboard, screen-reader and phone users, in real Chromium:
 * axe-core finds no serious or critical violation on the agents page and an
 * agent's page (wide and narrow), every control shows a clear focus ring, and
 * at 390 px names and chart labels stay readable and long tags end in an
 * ellipsis. Probe states, recent probes and A2A cards are scanned too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { describeViolations, seriousViolations } from "./support/axe.js";
import { launch, type Browser } from "./support/browser.js";
import { openDashboard, PATIENCE, row } from "./support/dashboard.js";
import { card, RegistryClient } from "./support/registry.js";
import { startE2EServer, type E2EServer } from "./support/server.js";

const A2A_CARD = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "a2a", "card-v1.json"), "utf8"));
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

/**
 * The probe state, the health explanation, the recent probes and the A2A card
 * under axe. Until this registry probes and serves cards (issue 14's probe
 * wiring and card registration), the fields it will send are added to its real
 * answers on the way to the page, so the same components are scanned now.
 */
async function withProbesAndCards(page: Page) {
  const iso = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const failing = { kind: "http", state: "failing", failing_since: iso(40), last_ok_at: iso(45) };
  const probed = (a: Record<string, unknown>) =>
    a.id === "calendar-agent" ? { ...a, probe: failing, health_reason: `heartbeat says healthy; probe failing since ${failing.failing_since}: connection refused`, card_url: null } : { ...a, probe: { ...failing, state: "passing", failing_since: null } };
  await page.route("**/api/v1/agents**", async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path.endsWith("/card")) return route.fulfill({ json: A2A_CARD });
    const response = await route.fetch();
    const body = await response.json();
    if (path === "/api/v1/agents") body.agents = body.agents.map(probed);
    else if (path.endsWith("/health")) {
      const result = { kind: "http", ok: false, latency_ms: 3, error: "connection refused" };
      body.history.push({ at: iso(40), status: "unhealthy", previous_status: "healthy", message: null, source: "probe", probe: result });
      body.probe = {
        probe: { kind: "http", url: "http://127.0.0.1:9/healthz", interval_ms: 5000, timeout_ms: 2000, failures: 2, successes: 1 },
        ...failing,
        next_due_at: iso(-5),
        recent: [{ kind: "http", ok: true, latency_ms: 2, status_code: 200, at: iso(45) }, { ...result, at: iso(40) }],
      };
    } else if (!path.endsWith("/trust")) return route.fulfill({ response, json: probed(body) });
    return route.fulfill({ response, json: body });
  });
}

describe("accessibility of probes and A2A cards", () => {
  for (const width of [1280, 390]) {
    it(`finds no serious or critical axe violation where probe states, recent probes and an A2A card show, at ${width} px`, async () => {
      const page = await browser.context.newPage();
      try {
        await page.setViewportSize({ width, height: 900 });
        await withProbesAndCards(page);
        await openDashboard(page, server.url);
        await row(page, "calendar-agent").locator('[data-testid="probe-state"][data-state="failing"]').waitFor({ timeout: PATIENCE });
        await expectNoSeriousViolations(page);
        await openAgent(page, "calendar-agent");
        await page.locator('[data-testid="probe-results"]').waitFor({ timeout: PATIENCE });
        await page.locator('[data-testid="a2a-card"]').waitFor({ timeout: PATIENCE });
        await page.locator('[data-testid="a2a-card"] summary').first().click();
        await expectNoSeriousViolations(page);
      } finally {
        await page.close();
      }
    });
  }
});

describe("keyboard", () => {
  it("shows a clear focus ring on every control reached with Tab", async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 900 });
    await openDashboard(page, server.url);
    await row(page, "calendar-agent").waitFor({ timeout: PATIENCE });
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press("Tab");
      const focus = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return { what: `${el.tagName.toLowerCase()} ${el.textContent?.trim().slice(0, 20) || el.getAttribute("aria-label")}`, style: style.outlineStyle, width: parseFloat(style.outlineWidth), visible: el.matches(":focus-visible") };
      });
      if (!focus) continue;
      seen.push(focus.what);
      expect(focus, focus.what).toMatchObject({ style: "solid", visible: true });
      expect(focus.width, focus.what).toBeGreaterThanOrEqual(2);
    }
    // The walk reached the totals, the search, the selects, the order button and the agents' links.
    expect(seen.some((w) => w.startsWith("input"))).toBe(true);
    expect(seen.some((w) => w.startsWith("select"))).toBe(true);
    expect(seen.some((w) => w.startsWith("a Calendar"))).toBe(true);
  });
});

describe("narrow screens", () => {
  it("at 390 px shows agents' names whole and the trust chart's labels at a readable size", async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await openDashboard(page, server.url);
    await row(page, "calendar-agent").waitFor({ timeout: PATIENCE });
    const names = await page.locator('[data-testid="agent-name"]').evaluateAll((els) =>
      els.map((el) => ({ text: el.textContent, cut: el.scrollWidth > el.clientWidth + 1, width: el.getBoundingClientRect().width })),
    );
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) expect(name, `${name.text} is cut`).toMatchObject({ cut: false });
    // Wide enough for about twenty characters on a line, not a dozen.
    expect(Math.min(...names.map((n) => n.width))).toBeGreaterThanOrEqual(150);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await openAgent(page, "calendar-agent");
    const labels = await page.locator('[data-testid="chart-label"]').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
    expect(labels.length).toBeGreaterThanOrEqual(5);
    for (const height of labels) expect(height).toBeGreaterThanOrEqual(10);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  for (const width of [390, 1280, 1600]) {
    it(`keeps a long tag inside its row, ending in an ellipsis, at ${width} px`, async () => {
      const { page } = browser;
      await page.setViewportSize({ width, height: 900 });
      const pages = width >= 1400 ? [server.url, `${server.url}/agents/calendar-agent`] : [`${server.url}/agents/calendar-agent`];
      for (const url of pages) {
        await openDashboard(page, url);
        const tag = page.locator('[data-testid="tag"]', { hasText: LONG_TAG }).first();
        await tag.waitFor({ timeout: PATIENCE });
        const box = await tag.evaluate((el) => {
          const style = getComputedStyle(el);
          const parent = el.parentElement!.getBoundingClientRect();
          const own = el.getBoundingClientRect();
          return { overflow: style.textOverflow, wrap: style.whiteSpace, cut: el.scrollWidth > el.clientWidth, inside: own.right <= parent.right + 0.5 };
        });
        expect(box, url).toMatchObject({ overflow: "ellipsis", wrap: "nowrap", inside: true });
        if (width === 390 || url === server.url) expect(box.cut, url).toBe(true);
      }
    });
  }
});
