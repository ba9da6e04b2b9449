import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { clientSourceAlias } from "./packages/client/source-alias.mjs";

// One `npm test` runs every project: the server and its store (node), the
// dashboard's hooks and components (jsdom) and the browser end-to-end tests
// (real Chromium). Each test file starts its own servers on free ports. The
// client package's unit tests run with the server's; `@agentmesh/client` is its
// sources (packages/client/source-alias.mjs).
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: clientSourceAlias },
        test: {
          name: "server",
          environment: "node",
          include: ["src/**/*.test.ts", "test/**/*.test.ts", "packages/*/src/**/*.test.ts"],
          exclude: ["test/e2e/**", "node_modules/**", "dist/**", "web/**"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      ...(existsSync("web/vitest.config.ts") ? ["web/vitest.config.ts"] : []),
      {
        resolve: { alias: clientSourceAlias },
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
