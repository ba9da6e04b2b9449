import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { clientSourceAlias } from "../packages/client/source-alias.mjs";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

// The dashboard is built into web/dist, which `agentmesh serve` serves at `/`
// on the same origin as the API. In development, Vite proxies /api to a local
// server (`npm start` or `npx tsx src/cli/main.ts serve`).
export default defineConfig({
  root,
  plugins: [react(), tailwindcss()],
  resolve: { alias: clientSourceAlias },
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      // No buffering or compression of the SSE stream through the proxy.
      "/api": { target: "http://127.0.0.1:8000", changeOrigin: false },
    },
  },
});
