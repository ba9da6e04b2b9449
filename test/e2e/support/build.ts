/**
 * Builds the dashboard (web/dist) when its sources (web/, src/shared/, the client
 * package it bundles) are newer than the last build, once per process. Only the dashboard: the tests import
 * the server from source, so they do not wait for tsc.
 */
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) {
    if (name === "node_modules" || name === "dist") continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

let done = false;
export function ensureWebBuilt(): void {
  if (done) return;
  const built = join(root, "web", "dist", "index.html");
  const sources = Math.max(newest(join(root, "web")), newest(join(root, "src", "shared")), newest(join(root, "packages", "client", "src")));
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    execSync("npx vite build --config web/vite.config.ts --logLevel warn", { cwd: root, stdio: "inherit" });
  }
  done = true;
}
