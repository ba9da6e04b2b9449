import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// One `npm test` runs every project: the server and its store (node), the
// dashboard's hooks and components (jsdom) and the browser end-to-end tests
// (real Chromium). Each test file starts its own servers on free ports.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "server",
          environment: "node",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/e2e/**", "node_modules/**", "dist/**", "web/**"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      ...(existsSync("web/vitest.config.ts") ? ["web/vitest.config.ts"] : []),
      {
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
