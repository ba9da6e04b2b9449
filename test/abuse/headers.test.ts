/**
 * Security headers on the dashboard, the API docs and the API, and proof in
 * real Chromium that the dashboard and swagger-ui work under that CSP: they
 * render, and the browser reports no CSP violation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, type Browser } from "../e2e/support/browser.js";
import { row, waitForStatus } from "../e2e/support/dashboard.js";
import { WEB_ROOT } from "../e2e/support/server.js";
import { ensureWebBuilt } from "../e2e/support/build.js";
import { api, card, startTestServer, type TestServer } from "../helpers.js";

let server: TestServer;

beforeAll(async () => {
  ensureWebBuilt();
  server = await startTestServer({ webRoot: WEB_ROOT });
});
afterAll(async () => {
  await server?.destroy();
});

function expectSecurityHeaders(headers: Headers, what: string) {
  const csp = headers.get("content-security-policy") ?? "";
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).not.toContain("unsafe-eval");
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(headers.get("referrer-policy"), what).toBe("no-referrer");
  expect(headers.get("x-frame-options"), what).toBe("DENY");
}

describe("security headers", () => {
  it.each([
    ["the dashboard", "/"],
    ["a dashboard route (served index.html)", "/agents/some-agent"],
    ["the API docs", "/docs"],
    ["swagger-ui's script", "/docs/static/swagger-ui-bundle.js"],
    ["the OpenAPI document", "/openapi.json"],
    ["an API answer", "/api/v1/agents"],
    ["a problem answer", "/api/v1/agents/nobody"],
    ["metrics", "/metrics"],
  ])("%s (%s) carries CSP, nosniff, a referrer policy and denies framing", async (what, path) => {
    const res = await fetch(`${server.url}${path}`, { redirect: "manual" });
    await res.arrayBuffer();
    expect(res.status, what).toBeLessThan(500);
    expectSecurityHeaders(res.headers, what);
  });
});

describe("in Chromium, under that CSP", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
    // Collected by the page itself: CDP-injected, so the CSP under test does not block it.
    await browser.context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function visit(path: string, ready: () => Promise<void>) {
    const { page } = browser;
    const problems: string[] = [];
    const onConsole = (m: { type(): string; text(): string }) => {
      if (m.type() === "error" || /content security policy/i.test(m.text())) problems.push(`${m.type()}: ${m.text()}`);
    };
    const onError = (e: Error) => problems.push(`pageerror: ${e.message}`);
    page.on("console", onConsole);
    page.on("pageerror", onError);
    try {
      const res = await page.goto(`${server.url}${path}`);
      expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
      await ready();
      const violations = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
      expect(violations).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      page.off("console", onConsole);
      page.off("pageerror", onError);
    }
  }

  it("the dashboard loads, goes live and shows agents with no CSP violation", async () => {
    expect((await api(server.url, "POST", "/api/v1/agents", card("csp-agent"))).status).toBe(201);
    await visit("/", async () => {
      await waitForStatus(browser.page, "live");
      await row(browser.page, "csp-agent").waitFor({ timeout: 15_000 });
    });
  });

  it("an agent's page, with its trust chart, renders with no CSP violation", async () => {
    const token = (await api(server.url, "POST", "/api/v1/agents", card("csp-subject"))).body.agent_token;
    const reporter = (await api(server.url, "POST", "/api/v1/agents", card("csp-reporter"))).body.agent_token;
    expect((await api(server.url, "POST", "/api/v1/agents/csp-subject/heartbeat", { status: "degraded" }, token)).status).toBe(200);
    expect((await api(server.url, "POST", "/api/v1/agents/csp-subject/reports", { outcome: "failure" }, reporter)).status).toBe(202);
    await visit("/agents/csp-subject", async () => {
      await browser.page.locator('[data-testid="agent-detail"] header [data-status="degraded"]').waitFor({ timeout: 15_000 });
      await browser.page.locator('[data-testid="trust-chart"] circle').first().waitFor({ timeout: 15_000 });
    });
  });

  it("the API docs render every route with no CSP violation", async () => {
    await visit("/docs", async () => {
      await browser.page.locator(".swagger-ui .info .title", { hasText: "AgentMesh" }).waitFor({ timeout: 15_000 });
      await browser.page.locator(".opblock").first().waitFor({ timeout: 15_000 });
      expect(await browser.page.locator(".opblock").count()).toBeGreaterThan(10);
    });
  });
});
