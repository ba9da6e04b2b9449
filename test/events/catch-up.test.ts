/**
 * Catching up is not slow consumption: a reader that keeps reading takes in a
 * backlog of any size on one connection (from the store, then the replay
 * window, then live), and only a reader that stops reading is dropped.
 * Real server on a SQLite file, a raw byte-level reader, and the real CLI.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RawStream, openStream, register, startTestServer, waitFor, type TestServer } from "../helpers.js";
import { cli, type CliProcess } from "../cli/support.js";
import { createSchema, type TestSchema } from "../scale/pg.js";
import { newEvent } from "../../src/server/registry/snapshot.js";
import type { AgentRow, NewEvent } from "../../src/server/store/store.js";

let server: TestServer | undefined;
const closers: { close(): void }[] = [];
let child: CliProcess | undefined;
let schema: TestSchema | undefined;

afterEach(async () => {
  await child?.stop();
  child = undefined;
  for (const c of closers.splice(0)) c.close();
  await server?.destroy();
  server = undefined;
  await schema?.drop();
  schema = undefined;
});

/**
 * `n` agent_updated events for one agent, each with the agent's full snapshot,
 * committed 1,000 per transaction straight to the store and handed to the
 * tailer (one transaction per event would take most of the test's time).
 */
async function makeEvents(s: TestServer, n: number, id = "busy", fields: (i: number) => Partial<AgentRow> = (i) => ({ metadata: { i } })): Promise<string> {
  const token = await register(s.url, id);
  let row = (await s.store.getAgent(id))!;
  for (let done = 0; done < n; ) {
    const events: NewEvent[] = [];
    let next = row;
    for (let k = 0; k < 1000 && done < n; k++, done++) {
      next = { ...next, ...fields(done), revision: next.revision + 1, updated_at: Date.now() };
      events.push(newEvent("agent_updated", next, next.updated_at, { changed: Object.keys(fields(done)) as never }));
    }
    const r = await s.store.commit({ mutation: { op: "update", row: next, expect: { revision: row.revision, lastHeartbeatAt: row.last_heartbeat_at } }, events });
    if (!r.ok) throw new Error(`commit failed: ${r.reason}`);
    s.app.tailer.offer(r.events);
    row = next;
  }
  await waitFor(() => s.app.hub.lastId === n + 1, "the hub to see every event");
  return token;
}

function expectOnceInOrder(ids: number[], last: number): void {
  expect(ids.length).toBe(last);
  for (let k = 0; k < ids.length; k++) if (ids[k] !== k + 1) expect.fail(`event #${k + 1} is id ${ids[k]}`);
}

describe("catching up", () => {
  for (const kind of ["sqlite", "postgres"] as const) {
    it(`a raw reader resumes 20,000 events (store, then window, then live) on one connection, each once, in order; nobody is a slow consumer (${kind})`, async () => {
      if (kind === "postgres") schema = await createSchema();
      server = await startTestServer(schema ? { database: schema.url } : {});
      const s = server;
      const token = await makeEvents(s, 20_000);
      const reader = new RawStream(`${s.url}/api/v1/events`, { "last-event-id": "0" });
      closers.push(reader);
      await reader.opened;
      // Live events arriving during the catch-up come after it, with no gap and no duplicate.
      let i = 0;
      while (reader.frames.length < 15_000 && !reader.ended) await s.app.registry.update("busy", { metadata: { live: i++ } }, { bearer: token });
      const last = s.app.hub.lastId;
      await waitFor(() => reader.frames.length >= last || reader.ended, "every event", 60_000);
      expect(reader.ended).toBe(false);
      expectOnceInOrder(reader.frames.map((f) => Number(f.id)), last);
      expect(s.app.hub.metrics.slowConsumerDisconnects).toBe(0);
      expect(s.app.hub.metrics.streamsOpened).toBe(1);
      expect(s.app.hub.inspect().live).toBe(1);
    }, 90_000);
  }

  it("large events (about 55 KB each): 200 back is caught up whole on one connection", async () => {
    server = await startTestServer({ maxStreamBuffer: String(256 * 1024) });
    const s = server;
    await makeEvents(s, 200, "big", (i) => ({ skills: Array.from({ length: 50 }, (_, k) => ({ name: `skill-${k}`, description: `${i}`.padEnd(1000, "x") })) }));
    const reader = await openStream(s.url, "", { "last-event-id": "1" });
    closers.push(reader);
    await waitFor(() => reader.frames.length >= 200 || reader.ended, "every event", 60_000);
    expect(reader.ended).toBe(false);
    expect(reader.frames.map((f) => Number(f.id))).toEqual(Array.from({ length: 200 }, (_, k) => k + 2));
    expect(reader.frames[199].data.length).toBeGreaterThan(50_000);
    expect(s.app.hub.metrics.slowConsumerDisconnects).toBe(0);
  });

  it("`agentmesh events --since 0 --json` prints 20,000 events once, in order, without a reconnect", async () => {
    server = await startTestServer();
    const s = server;
    await makeEvents(s, 20_000);
    const last = s.app.hub.lastId;
    child = cli(["events", "--since", "0", "--json", "--url", s.url]);
    const p = child;
    let lines = 0;
    p.child.stdout!.on("data", (d: string) => (lines += d.split("\n").length - 1));
    await waitFor(() => lines >= last || (p.child.exitCode !== null && "exited"), "every event printed", 90_000);
    const ids = p.lines().map((l) => JSON.parse(l).id as number);
    expectOnceInOrder(ids, last);
    expect(p.stderr).not.toMatch(/reconnect|connection lost/);
    expect(s.app.hub.metrics.streamsOpened).toBe(1);
    expect(s.app.hub.metrics.slowConsumerDisconnects).toBe(0);
  }, 120_000);

  it("a reader that stops reading during a catch-up is still dropped once it stays over the limit for the grace", async () => {
    server = await startTestServer({ maxStreamBuffer: String(64 * 1024), slowConsumerGrace: "500ms" });
    const s = server;
    await makeEvents(s, 20_000);
    const stalled = new RawStream(`${s.url}/api/v1/events`, { "last-event-id": "0" }, { pause: true });
    closers.push(stalled);
    await stalled.opened;
    const reader = await openStream(s.url, "?last_event_id=19000");
    closers.push(reader);
    await waitFor(() => s.app.hub.metrics.slowConsumerDisconnects === 1, "the stalled reader to be dropped", 20_000);
    expect(s.app.hub.size).toBe(1);
    // The reader that kept reading got everything.
    await waitFor(() => reader.frames.length === 1001, "the reading stream's events");
    expect(Number(reader.frames.at(-1)!.id)).toBe(20_001);
  }, 60_000);
});
