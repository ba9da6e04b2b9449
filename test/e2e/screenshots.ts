/**
 * Screenshots of the dashboard with a simulated fleet, into docs/screenshots/.
 * Run: npm run screenshots   (needs /usr/bin/chromium; builds web/dist if stale)
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./support/browser.js";
import { simulateFleet } from "./support/fleet.js";
import { RegistryClient } from "./support/registry.js";
import { startE2EServer } from "./support/server.js";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "screenshots");
mkdirSync(out, { recursive: true });

const server = await startE2EServer({ heartbeatInterval: "1s", offlineAfter: "4s", sweepInterval: "200ms" });
const browser = await launch({ width: 1440, height: 900 });
try {
  const client = new RegistryClient(server.url);
  const { page } = browser;
  await page.goto(server.url);
  const fleet = await simulateFleet(client);
  // Let the silent agents go offline, and a few live changes stream in.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="health-badge"][data-status="offline"]').length >= 2, undefined, { timeout: 15_000 });
  await client.patch("code-review-bot", fleet.agents.get("code-review-bot")!.token, { version: "0.9.5" });
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(out, "agents.png") });

  // Client-side navigation, so the page keeps the events it has seen.
  await page.locator('[data-agent-id="support-triage"] a').click();
  await page.waitForSelector('[data-testid="trust-chart"]');
  await client.heartbeat("support-triage", fleet.agents.get("support-triage")!.token, "degraded", "p95 latency above 2 s");
  await page.waitForSelector('[data-testid="agent-detail"] header [data-status="degraded"]');
  await client.heartbeat("support-triage", fleet.agents.get("support-triage")!.token, "healthy");
  await page.waitForTimeout(800);
  await page.screenshot({ path: join(out, "agent-detail.png"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/?sort=trust_score`);
  await page.waitForSelector('[data-testid="agent-row"]');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, "agents-narrow.png") });
  fleet.stop();
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.destroy();
}
