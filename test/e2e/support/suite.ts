/**
 * The usual frame of a browser test file: one registry and one Chromium,
 * started before its tests and closed after them, whatever happened.
 */
import { afterAll, beforeAll } from "vitest";
import { launch, type Browser } from "./browser.js";
import { startE2EServer, type E2EServer, type Overrides } from "./server.js";

export interface ServerAndBrowser {
  readonly server: E2EServer;
  readonly browser: Browser;
}

/** Registers the hooks; read `server` and `browser` inside tests. `overrides` may be a function, read when the hooks run (a value only known then). */
export function useServerAndBrowser(overrides: Overrides | (() => Overrides) = {}): ServerAndBrowser {
  let server: E2EServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startE2EServer(typeof overrides === "function" ? overrides() : overrides);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });
  return {
    get server() {
      if (!server) throw new Error("the server is started by beforeAll");
      return server;
    },
    get browser() {
      if (!browser) throw new Error("the browser is launched by beforeAll");
      return browser;
    },
  };
}
