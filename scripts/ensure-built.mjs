// Builds the client package (tsc → packages/client/dist/), then the server (tsc →
// dist/, which type-checks against the client's declarations) and the dashboard
// (vite → web/dist/), each only when a source file is newer than its last build, so
// `npm start` and `npm test` are quick after the first run and never run stale code.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function newest(path) {
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

function stamp(path) {
  return existsSync(path) ? statSync(path).mtimeMs : -1;
}

export function ensureBuilt() {
  const run = (cmd) => execSync(cmd, { cwd: root, stdio: "inherit" });
  const client = join(root, "packages", "client");
  const clientSources = Math.max(newest(join(client, "src")), stamp(join(client, "tsconfig.json")), stamp(join(client, "package.json")));
  if (existsSync(join(client, "src")) && stamp(join(client, "dist", "index.js")) < clientSources) {
    console.error("building the client package (tsc)…");
    rmSync(join(client, "dist"), { recursive: true, force: true });
    run("npx tsc -p packages/client/tsconfig.json");
  }
  const serverSources = Math.max(clientSources, newest(join(root, "src")), stamp(join(root, "tsconfig.json")), stamp(join(root, "tsconfig.build.json")));
  if (stamp(join(root, "dist", "cli", "main.js")) < serverSources) {
    console.error("building the server (tsc)…");
    // From scratch: tsc never deletes the output of a file that was removed or excluded since.
    rmSync(join(root, "dist"), { recursive: true, force: true });
    run("npx tsc -p tsconfig.build.json");
  }
  if (existsSync(join(root, "web", "index.html"))) {
    const webSources = Math.max(newest(join(root, "web")), newest(join(root, "src", "shared")), clientSources);
    if (stamp(join(root, "web", "dist", "index.html")) < webSources) {
      console.error("building the dashboard (vite)…");
      run("npx vite build --config web/vite.config.ts --logLevel warn");
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureBuilt();
