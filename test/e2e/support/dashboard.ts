/** Page-level helpers: open the dashboard, find rows and badges, count API requests. */
import type { Page } from "playwright-core";

export const row = (page: Page, id: string) => page.locator(`[data-testid="agent-row"][data-agent-id="${id}"]`);
export const badgeOf = (page: Page, id: string) => row(page, id).locator('[data-testid="health-badge"]');
export const connection = (page: Page) => page.locator('[data-testid="connection"]');

/** Generous wait for conditions that depend on the server's timing (never a fixed sleep). */
export const PATIENCE = 15_000;

/** Opens the dashboard and waits until its stream is live. */
export async function openDashboard(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('[data-testid="connection"][data-status="live"]').waitFor({ timeout: PATIENCE });
}

export async function waitForStatus(page: Page, status: string, timeout = PATIENCE): Promise<void> {
  await page.locator(`[data-testid="connection"][data-status="${status}"]`).waitFor({ timeout });
}

/** Counts the page's requests whose path and method match, from now on. */
export function countRequests(page: Page, method: string, path: string): { readonly count: number; readonly urls: string[] } {
  const urls: string[] = [];
  page.on("request", (request) => {
    if (request.method() === method && new URL(request.url()).pathname === path) urls.push(request.url());
  });
  return {
    get count() {
      return urls.length;
    },
    urls,
  };
}
