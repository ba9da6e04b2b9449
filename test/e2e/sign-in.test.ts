/** A registry that requires a read token: the dashboard signs in with a cookie, never a token in a URL. */
import { describe, expect, it } from "vitest";
import { PATIENCE, row, waitForStatus } from "./support/dashboard.js";
import { card, RegistryClient } from "./support/registry.js";
import { useServerAndBrowser } from "./support/suite.js";

const READ_TOKEN = "read-token-for-e2e-0123456789";

const e2e = useServerAndBrowser({ readToken: READ_TOKEN });

describe("sign-in with a read token", () => {
  it("asks for the token, rejects a wrong one, then goes live on a session cookie", async () => {
    const { page, context } = e2e.browser;
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto(e2e.server.url);
    const input = page.locator("#read-token");
    await input.waitFor({ timeout: PATIENCE });

    await input.fill("not-the-token");
    await page.locator('button[type="submit"]').click();
    await page.locator('[role="alert"]', { hasText: "not this registry's read token" }).waitFor({ timeout: PATIENCE });

    await input.fill(READ_TOKEN);
    await page.locator('button[type="submit"]').click();
    await waitForStatus(page, "live");

    await new RegistryClient(e2e.server.url).register(card("behind-token"));
    await row(page, "behind-token").waitFor({ timeout: PATIENCE });

    const cookie = (await context.cookies(e2e.server.url)).find((c) => c.name === "agentmesh_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(await page.evaluate(() => document.cookie)).not.toContain("agentmesh_session");
    expect(urls.filter((u) => u.includes(READ_TOKEN))).toEqual([]);
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toContain(READ_TOKEN);
  });
});
