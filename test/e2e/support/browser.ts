/**
 * Debian's Chromium driven by playwright-core (which never downloads a
 * browser here: we always pass the executable). A fresh profile per launch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** `bypassCSP`: lets a test inject a script (axe-core) into a page whose policy would refuse it. */
export async function launch(viewport = { width: 1400, height: 900 }, { bypassCSP = false } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "agentmesh-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    bypassCSP,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
