// The one place that knows whether the build is fresh: builds the client package
// (tsc → packages/client/dist/), the server (tsc → dist/, which type-checks
// against the client's declarations) and the dashboard (vite → web/dist/), each
// only when a source file is newer than its last build, so `npm start`,
// `npm test`, the benchmarks and the tests that run the built CLI or the
// dashboard are quick after the first run and never run stale code. Several test
// workers may ask at once: a lock directory makes them build one at a time, and
// each looks again once it holds the lock.
import { execSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const LOCK = join(root, "node_modules", ".agentmesh-build.lock");
const STALE_LOCK_MS = 120_000;
const CLIENT = join(root, "packages", "client");

/** The newest modification time below `path` (0 when it does not exist), leaving out node_modules and dist. */
export function newest(path) {
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

function clientSources() {
  return Math.max(newest(join(CLIENT, "src")), stamp(join(CLIENT, "tsconfig.json")), stamp(join(CLIENT, "package.json")));
}

/** packages/client/dist/ is at least as new as the client's sources; true when there is no client package. */
export function clientFresh() {
  if (!existsSync(join(CLIENT, "src"))) return true;
  return stamp(join(CLIENT, "dist", "index.js")) >= clientSources();
}

/** dist/ is at least as new as src/, the client's sources and the tsconfig files. */
export function serverFresh() {
  const sources = Math.max(clientSources(), newest(join(root, "src")), stamp(join(root, "tsconfig.json")), stamp(join(root, "tsconfig.build.json")));
  return stamp(join(root, "dist", "cli", "main.js")) >= sources;
}

/** web/dist/ is at least as new as web/, src/shared/ and the client (the dashboard imports both); true when there is no dashboard. */
export function webFresh() {
  if (!existsSync(join(root, "web", "index.html"))) return true;
  const sources = Math.max(newest(join(root, "web")), newest(join(root, "src", "shared")), clientSources());
  return stamp(join(root, "web", "dist", "index.html")) >= sources;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock(fn) {
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() - stamp(LOCK) > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      sleep(200);
    }
  }
  try {
    fn();
  } finally {
    rmdirSync(LOCK);
  }
}

/** Builds what is stale (the client and server, the dashboard, or all); `quiet` keeps the tools' output off the terminal. */
export function ensureBuilt({ server = true, web = true, quiet = false } = {}) {
  const needed = () => (server && !clientFresh()) || (server && !serverFresh()) || (web && !webFresh());
  if (!needed()) return;
  const run = (cmd) => execSync(cmd, { cwd: root, stdio: quiet ? "ignore" : "inherit" });
  withLock(() => {
    // The dashboard bundles the client from its sources; only the server needs its build.
    if (server && !clientFresh()) {
      if (!quiet) console.error("building the client package (tsc)…");
      rmSync(join(CLIENT, "dist"), { recursive: true, force: true });
      run("npx tsc -p packages/client/tsconfig.json");
    }
    if (server && !serverFresh()) {
      if (!quiet) console.error("building the server (tsc)…");
      // From scratch: tsc never deletes the output of a file that was removed or excluded since.
      rmSync(join(root, "dist"), { recursive: true, force: true });
      run("npx tsc -p tsconfig.build.json");
    }
    if (web && !webFresh()) {
      if (!quiet) console.error("building the dashboard (vite)…");
      run("npx vite build --config web/vite.config.ts --logLevel warn");
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) ensureBuilt();
