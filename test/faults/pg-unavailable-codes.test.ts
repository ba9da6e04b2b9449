/**
 * PostgreSQL failures that pass by themselves are answered 503
 * `store_unavailable` with Retry-After, not 500, like a dropped connection:
 *
 * - after a failover, connections that reach the old primary, now a standby,
 *   or a standby not yet promoted, are refused every write with 25006
 *   (read_only_sql_transaction). Here the instance's own connections are made
 *   read-only (`default_transaction_read_only`), which is what a standby
 *   answers, without touching the shared server;
 * - the database's disk is full: 53100 (disk_full). A real full disk on the
 *   shared server is not ours to make, so a trigger in this test's schema
 *   raises exactly what PostgreSQL raises then.
 *
 * Real PostgreSQL, the app as `serve` builds it (openStore + createApp), fastify.inject.
 */
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";
import { openStore } from "../../src/server/store/open.js";
import type { Store } from "../../src/server/store/store.js";
import { card } from "../helpers.js";
import { createSchema, sql, type TestSchema } from "../scale/pg.js";

describe("PostgreSQL failures that pass are 503, not 500", () => {
  let schema: TestSchema;
  const opened: { app: App; store: Store }[] = [];

  async function instance(database: string, migrate = true) {
    const config = loadConfig({ flags: { database, logLevel: "silent", rateLimit: "0" } });
    const store = await openStore(config);
    if (migrate) await store.migrate();
    const app = await createApp({ config, store, clock: { now: Date.now }, logger: pino({ level: "silent" }) });
    await app.http.ready();
    opened.push({ app, store });
    return app;
  }

  const register = (app: App, id: string) => app.http.inject({ method: "POST", url: "/api/v1/agents", payload: card(id) });

  beforeEach(async () => {
    schema = await createSchema();
  });

  afterEach(async () => {
    for (const { app, store } of opened.splice(0)) {
      await app.close(0);
      await store.close();
    }
    await schema.drop();
  });

  it("a read-only server (a standby after failover) refuses writes with a 503; reads still answer", async () => {
    await instance(schema.url);
    const u = new URL(schema.url);
    u.searchParams.set("options", `${u.searchParams.get("options")} -c default_transaction_read_only=on`);
    const app = await instance(u.toString(), false);
    const res = await register(app, "on-standby");
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().code).toBe("store_unavailable");
    expect(res.headers["retry-after"]).toBe("1");
    expect((await app.http.inject({ method: "GET", url: "/api/v1/agents" })).statusCode).toBe(200);
  });

  it("a full disk refuses writes with a 503, and writes work again when space returns", async () => {
    const app = await instance(schema.url);
    const q = `"${schema.schema}"`;
    await sql(`create function ${q}.disk_full() returns trigger language plpgsql as $$
      begin raise exception using errcode = 'disk_full', message = 'could not extend file "base/16384/16397": No space left on device'; end $$`);
    await sql(`create trigger disk_full before insert on ${q}.agents for each row execute function ${q}.disk_full()`);
    const res = await register(app, "no-space");
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().code).toBe("store_unavailable");
    expect(res.headers["retry-after"]).toBe("1");
    await sql(`drop trigger disk_full on ${q}.agents`);
    expect((await register(app, "space-again")).statusCode).toBe(201);
  });
});
