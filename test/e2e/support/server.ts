/**
 * A real AgentMesh server for browser tests: a temporary SQLite file, short
 * health timings, the built dashboard (web/dist) served at `/`. Restartable on
 * the same port and database, as a user's server would be.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type RunningServer } from "../../../src/server/start.js";
import { ensureWebBuilt } from "./build.js";

export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "web", "dist");

export type Overrides = Record<string, string | number | undefined>;

export interface E2EServer {
  url: string;
  port: number;
  dbFile: string;
  running: RunningServer | null;
  stop(): Promise<void>;
  /** Starts again on the same port and database. */
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

// trustMaturity 0: the fleets here are seconds old, and their reports should move trust.
export const FAST_HEALTH: Overrides = { heartbeatInterval: "500ms", offlineAfter: "1500ms", sweepInterval: "100ms", trustMaturity: "0" };

/** `seed` fills the database file before the server first opens it (e.g. a large fleet, support/seed.ts). */
export async function startE2EServer(overrides: Overrides = {}, { seed }: { seed?: (dbFile: string) => Promise<void> } = {}): Promise<E2EServer> {
  ensureWebBuilt();
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-e2e-"));
  const dbFile = join(dir, "agentmesh.db");
  await seed?.(dbFile);
  const config = (port: number) => ({ port, database: `sqlite:${dbFile}`, webRoot: WEB_ROOT, logLevel: "warn", rateLimit: "0", ...FAST_HEALTH, ...overrides });
  const first = await startServer(config(0));
  const server: E2EServer = {
    url: first.url,
    port: first.port,
    dbFile,
    running: first,
    async stop() {
      await server.running?.close(50);
      server.running = null;
    },
    async restart() {
      await server.stop();
      server.running = await startServer(config(server.port));
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Another server on the same database (a second instance), e.g. to change things while the page's server is down. */
export async function startSibling(dbFile: string, overrides: Overrides = {}): Promise<RunningServer> {
  return startServer({ port: 0, database: `sqlite:${dbFile}`, webRoot: WEB_ROOT, logLevel: "warn", rateLimit: "0", ...FAST_HEALTH, ...overrides });
}
