import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { clientSourceAlias } from "../packages/client/source-alias.mjs";
import { defineProject } from "vitest/config";

// The dashboard's unit, hook and component tests (jsdom). Paths resolve from web/.
export default defineProject({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  resolve: { alias: clientSourceAlias },
  test: {
    name: "web",
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
  },
});
