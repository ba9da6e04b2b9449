/**
 * A stream request whose connection closes before the route runs (here: while
 * its dashboard session is looked up in the store, a real await on
 * PostgreSQL) must not leave a subscriber behind. Its socket's `close` has
 * already fired, so nothing would ever remove it: it would count against
 * --max-streams and --max-streams-per-client for the life of the process.
 */
import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";
import { openStore } from "../../src/server/store/open.js";
import type { Store } from "../../src/server/store/store.js";
import { ADMIN, api, tempDir, waitFor } from "../helpers.js";

const READ = "read-token-0123456789abcdef";
let app: App | undefined;
let store: Store | undefined;
let dir: string | undefined;

afterEach(async () => {
  await app?.close(50);
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = store = dir = undefined;
});

describe("a stream request closed before its route runs", () => {
  it("leaves no subscriber (none counted, nothing to remove later)", async () => {
    dir = tempDir();
    const config = loadConfig({
      flags: { port: 0, database: `sqlite:${join(dir, "agentmesh.db")}`, rateLimit: "0", adminToken: ADMIN, readToken: READ, webRoot: join(dir, "no-web") },
      env: {},
    });
    const logger = pino({ level: "silent" });
    const real = await openStore(config, logger);
    store = real;
    await real.migrate();
    // Session lookups wait for the test's go-ahead, as a lookup over the network would.
    let gate: Promise<void> = Promise.resolve();
    let lookups = 0;
    const gated = new Proxy(real, {
      get(target, prop) {
        if (prop === "sessionExpiresAt") {
          return async (...args: Parameters<Store["sessionExpiresAt"]>) => {
            lookups++;
            await gate;
            return target.sessionExpiresAt(...args);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    app = await createApp({ config, store: gated, clock: { now: Date.now }, logger });
    await app.start();
    await app.http.listen({ port: 0, host: "127.0.0.1" });
    const address = app.http.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const url = `http://127.0.0.1:${port}`;

    const signIn = await api(url, "POST", "/api/v1/session", { token: READ });
    expect(signIn.status).toBeLessThan(300);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
    expect(cookie).toContain("=");

    let release!: () => void;
    gate = new Promise((r) => (release = r));
    const before = lookups;
    const serverSides: Socket[] = [];
    app.http.server.on("connection", (s: Socket) => serverSides.push(s));
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise((r) => socket.once("connect", r));
    const serverSide = await waitFor(() => serverSides.find((s) => s.remotePort === socket.localPort), "the server's side of the connection");
    let serverSideClosed = false;
    serverSide.once("close", () => (serverSideClosed = true));
    socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n`);
    await waitFor(() => lookups > before, "the session lookup to start");
    socket.destroy();
    await waitFor(() => serverSideClosed, "the server to see the connection closed");
    release();
    // A full request afterwards: the stream's handler ran long before its answer.
    expect((await api(url, "GET", "/healthz")).status).toBe(200);
    expect(app.hub.size).toBe(0);
    expect(app.hub.countFor("127.0.0.1")).toBe(0);
    expect(app.hub.inspect().live).toBe(0);
  });
});
