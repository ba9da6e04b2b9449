/**
 * Issue 12 §2: SQLite's "database or disk is full" is an outage, not a 500.
 * The live connection's file is capped with `PRAGMA max_page_count` (a real
 * SQLITE_FULL, no small file system needed). Writes that need a page answer
 * 503 `store_unavailable` with `Retry-After`, nothing of them is written and
 * no event is published; reads still work; `/readyz` is 503 while writes
 * fail, `/healthz` 200; one log line when it starts and one when it ends; and
 * once the cap is raised everything works again without a restart.
 */
import type BetterSqlite3 from "better-sqlite3";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";
import { openStore } from "../../src/server/store/open.js";
import type { Store } from "../../src/server/store/store.js";
import { ADMIN, api, card, openStream, tempDir, waitFor, type RawStream } from "../helpers.js";

const OUTAGE_START = "store unavailable";
const OUTAGE_END = "store available again";

describe("SQLite full", () => {
  const dir = tempDir();
  const logs: { level: number; msg: string }[] = [];
  let db: BetterSqlite3.Database;
  let app: App;
  let store: Store;
  let url: string;
  let stream: RawStream;

  beforeAll(async () => {
    const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    // startServer's parts, with the connection handed out so the test can cap the file.
    const config = loadConfig({ flags: { port: 0, database: `sqlite:${join(dir, "agentmesh.db")}`, rateLimit: "0", adminToken: ADMIN, webRoot: join(dir, "no-web") }, env: {} });
    store = await openStore(config, logger, { sqlite: { onOpen: (raw) => (db = raw) } });
    await store.migrate();
    app = await createApp({ config, store, clock: { now: Date.now }, logger });
    await app.start();
    await app.http.listen({ port: 0, host: "127.0.0.1" });
    const address = app.http.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });

  afterAll(async () => {
    stream?.close();
    await app?.close(50);
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lines = (prefix: string) => logs.filter((l) => l.msg.startsWith(prefix));

  it("answers 503 with Retry-After, writes nothing half, publishes nothing, is not ready, and recovers when space returns", async () => {
    stream = await openStream(url, "?last_event_id=0");
    const acknowledged: string[] = [];
    for (let i = 0; i < 5; i++) {
      expect((await api(url, "POST", "/api/v1/agents", card(`before-${i}`))).status).toBe(201);
      acknowledged.push(`before-${i}`);
    }

    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true })}`);
    // The pages still have some room; fill them until a write needs a page more.
    const refused: Awaited<ReturnType<typeof api>>[] = [];
    for (let i = 0; refused.length < 10 && i < 2000; i++) {
      const r = await api(url, "POST", "/api/v1/agents", card(`fill-${i}`, { description: "x".repeat(900) }));
      if (r.status === 201) acknowledged.push(`fill-${i}`);
      else refused.push(r);
    }
    expect(refused.length).toBe(10);
    for (const r of refused) expect([r.status, r.body.code, r.headers.get("retry-after")]).toEqual([503, "store_unavailable", "1"]);
    expect(refused[0].body.detail).toMatch(/full/);

    const ready = await api(url, "GET", "/readyz");
    expect([ready.status, ready.body.code, ready.headers.get("retry-after")]).toEqual([503, "store_unavailable", "1"]);
    expect((await api(url, "GET", "/healthz")).status).toBe(200);

    // Nothing half-written, no phantom event: the store holds exactly the acknowledged agents and their events.
    const list = await api(url, "GET", "/api/v1/agents?limit=1000");
    expect(list.status).toBe(200);
    expect(list.body.agents.map((a: { id: string }) => a.id).sort()).toEqual([...acknowledged].sort());
    const history = await api(url, "GET", "/api/v1/events/history?after=0&limit=1000");
    expect(history.body.events.map((e: { agent_id: string }) => e.agent_id)).toEqual(acknowledged);
    expect(history.body.cursor).toBe(acknowledged.length);
    await waitFor(() => stream.events().length >= acknowledged.length, "the stream to have every acknowledged registration");
    expect(stream.events().map((e) => [e.id, e.agent_id])).toEqual(acknowledged.map((id, i) => [i + 1, id]));

    // Space returns: ready again and writes work, without a restart.
    db.pragma("max_page_count = 1073741823");
    await waitFor(async () => (await api(url, "GET", "/readyz")).status === 200, "/readyz to say ready again");
    const after = await api(url, "POST", "/api/v1/agents", card("after"));
    expect(after.status).toBe(201);
    await waitFor(() => stream.events().some((e) => e.agent_id === "after"), "the stream to carry the write after recovery");
    expect(stream.events().map((e) => e.id)).toEqual(Array.from({ length: acknowledged.length + 1 }, (_, i) => i + 1));
    expect(stream.frames.filter((f) => f.event === "reset")).toEqual([]);

    // One line when it started, one when it ended; no stack per refused request.
    await waitFor(() => lines(OUTAGE_END).length > 0, "the end of the outage to be logged");
    expect(lines(OUTAGE_START)).toHaveLength(1);
    expect(lines(OUTAGE_END)).toHaveLength(1);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});
