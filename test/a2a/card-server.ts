/**
 * What the A2A card tests talk to: real HTTP servers on loopback addresses
 * that serve cards of both versions and every way a card URL can fail, a
 * resolver that maps test names to chosen addresses, and a server for the
 * registry with that resolver, on either store, with a manual clock.
 */
import { readFileSync, rmSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/server/start.js";
import type { ResolvedAddress, Resolver } from "../../src/server/fetch/types.js";
import { ADMIN, tempDir } from "../helpers.js";
import { createSchema } from "../scale/pg.js";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "a2a");
export const cardV1 = () => JSON.parse(readFileSync(join(FIXTURES, "card-v1.json"), "utf8")) as Record<string, any>;
export const cardV03 = () => JSON.parse(readFileSync(join(FIXTURES, "card-v03.json"), "utf8")) as Record<string, any>;

/** The address the "public" card servers listen on: the registry under test may reach it (--probe-allow 127.0.0.2/32), and no other loopback address. */
export const PUBLIC_ADDRESS = "127.0.0.2";

export async function listen(handler: RequestListener, host = PUBLIC_ADDRESS): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Names in the table resolve to their addresses; anything else does not exist (ENOTFOUND). */
export function resolverOf(table: Record<string, string[]>): Resolver {
  return async (name) => {
    const addresses = table[name];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    return addresses.map((address): ResolvedAddress => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

export const RESOLVER = resolverOf({
  "cards.test": [PUBLIC_ADDRESS],
  "metadata.test": ["169.254.169.254"],
  "inside.test": ["127.0.0.1"],
  "mixed.test": [PUBLIC_ADDRESS, "127.0.0.1"],
});

export type StoreKind = "sqlite" | "postgres";
export const STORES: StoreKind[] = ["sqlite", "postgres"];

export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}
export function manualClock(start = Date.now()): ManualClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface Registry extends RunningServer {
  clock: ManualClock;
  /** Another instance on the same database and clock (closed by destroy). */
  sibling(): Promise<RunningServer>;
  destroy(): Promise<void>;
}

/** The registry on `kind`, reaching 127.0.0.2 only, resolving names with RESOLVER, on a manual clock. */
export async function startRegistry(kind: StoreKind, over: Record<string, string> = {}): Promise<Registry> {
  const dir = tempDir();
  const schema = kind === "postgres" ? await createSchema() : null;
  const clock = manualClock();
  const config = {
    port: 0,
    database: schema ? schema.url : `sqlite:${join(dir, "agentmesh.db")}`,
    logLevel: "silent",
    rateLimit: "0",
    adminToken: ADMIN,
    webRoot: join(dir, "no-web"),
    probeAllow: `${PUBLIC_ADDRESS}/32`,
    // The tests move the manual clock by hours: no agent goes offline meanwhile (the sweeper runs on real timers).
    offlineAfter: "30d",
    ...over,
  };
  // No jitter: a probe is due exactly one interval after the last, so a test steps through them by the interval.
  const server = await startServer(config, { resolver: RESOLVER, clock, random: () => 0.5 });
  const siblings: RunningServer[] = [];
  return Object.assign(server, {
    clock,
    async sibling() {
      const other = await startServer(config, { resolver: RESOLVER, clock, random: () => 0.5 });
      siblings.push(other);
      return other;
    },
    async destroy() {
      for (const other of siblings) await other.close(50);
      await server.close(50);
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
