/** The agent detail page follows its agent live, to the end. */
import { describe, expect, it } from "vitest";
import { countRequests, openDashboard, PATIENCE } from "./support/dashboard.js";
import { Beater, card, RegistryClient } from "./support/registry.js";
import { useServerAndBrowser } from "./support/suite.js";

const e2e = useServerAndBrowser();

describe("agent detail page", () => {
  it("follows its agent: health, trust, card changes, and says when it is deregistered", async () => {
    const client = new RegistryClient(e2e.server.url);
    const subject = await client.register(
      card("watched", { name: "Watched Agent", description: "Answers questions about invoices.", protocol: "a2a", skills: [{ name: "parse_invoice", description: "Invoice PDF to JSON" }] }),
    );
    const peers = await Promise.all(["peer-1", "peer-2", "peer-3"].map((id) => client.register(card(id))));
    const beater = await new Beater(client, "watched", subject.token).start();
    try {
      const { page } = e2e.browser;
      await openDashboard(page, `${e2e.server.url}/agents/watched`);
      const detail = page.locator('[data-testid="agent-detail"]');
      await detail.waitFor({ timeout: PATIENCE });
      expect(await page.locator('[data-testid="agent-card"]').textContent()).toContain("Answers questions about invoices.");
      expect(await page.locator('[data-testid="skills"]').textContent()).toContain("parse_invoice");
      await detail.locator('header [data-status="healthy"]').waitFor({ timeout: PATIENCE });

      await beater.set("degraded");
      await detail.locator('header [data-status="degraded"]').waitFor({ timeout: PATIENCE });
      await page.locator('[data-testid="health-history"]', { hasText: "healthy → degraded" }).waitFor({ timeout: PATIENCE });

      const scoreBefore = await page.locator('[data-testid="trust-score"]').textContent();
      // Only reporters that are up count: each peer heartbeats just before it reports.
      for (const peer of peers) {
        await client.heartbeat(peer.agent.id, peer.token);
        await client.report("watched", peer.token, "failure");
      }
      await page.waitForFunction((before) => document.querySelector('[data-testid="trust-score"]')?.textContent !== before, scoreBefore, { timeout: PATIENCE });
      expect(Number(await page.locator('[data-testid="trust-score"]').textContent())).toBeLessThan(Number(scoreBefore));
      expect(await page.locator('[data-testid="trust-chart"] circle').count()).toBeGreaterThan(0);

      await client.patch("watched", subject.token, { version: "9.9.9" });
      await page.locator('[data-testid="agent-card"]', { hasText: "9.9.9" }).waitFor({ timeout: PATIENCE });

      beater.stop();
      await client.deregister("watched", subject.token);
      await page.locator('[data-testid="deregistered"]').waitFor({ timeout: PATIENCE });
      expect(await detail.getAttribute("data-state")).toBe("deregistered");
      expect(page.url()).toMatch(/\/agents\/watched$/);
    } finally {
      beater.stop();
    }
  });

  it("shows the agent's recent events at once from the history, then live ones on top, none twice", async () => {
    const client = new RegistryClient(e2e.server.url);
    const subject = await client.register(card("storied", { name: "Storied" }));
    const other = await client.register(card("bystander"));
    await client.heartbeat("storied", subject.token, "degraded", "warming up");
    await client.patch("storied", subject.token, { version: "2.0.0" });
    await client.heartbeat("bystander", other.token);

    const page = await e2e.browser.context.newPage();
    try {
      const histories = countRequests(page, "GET", "/api/v1/events/history");
      await openDashboard(page, `${e2e.server.url}/agents/storied`);
      const entries = page.locator('[data-testid="agent-detail"] [data-testid="feed-entry"]');
      // Trust and health also move by themselves here (heartbeats, a short offline window): look for the events this test made.
      const made = (type: string) => page.locator(`[data-testid="agent-detail"] [data-testid="feed-entry"][data-type="${type}"]`);
      await made("agent_registered").waitFor({ timeout: PATIENCE });
      expect(await made("agent_updated").count()).toBe(1);
      expect(await made("agent_health_changed").first().textContent()).toMatch(/→/);
      expect(await entries.last().getAttribute("data-type")).toBe("agent_registered");
      expect(new URL(histories.urls[0]).searchParams.get("agent_id")).toBe("storied");

      await client.patch("storied", subject.token, { version: "3.0.0" });
      await made("agent_updated").nth(1).waitFor({ timeout: PATIENCE });
      const updates = await made("agent_updated").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-event-id"))));
      expect(updates[0]).toBeGreaterThan(updates[1]);
      const ids = await entries.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-event-id"))));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await page.close();
    }
  });

  it("says plainly when the agent does not exist", async () => {
    const { page } = e2e.browser;
    await openDashboard(page, `${e2e.server.url}/agents/nobody-here`);
    await page.locator('[data-testid="agent-missing"]').waitFor({ timeout: PATIENCE });
    expect(await page.locator('[data-testid="agent-missing"]').textContent()).toContain("No agent nobody-here");
  });
});
