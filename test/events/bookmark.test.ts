/**
 * Bookmarks over real HTTP, on SQLite and PostgreSQL: a filtered stream that
 * stays quiet while the log moves on is sent `id: <position>` with no data, so
 * after the log has been pruned past where it started, its client resumes from
 * the bookmark without a `reset` and without missing a match. Byte-level (what
 * the socket carries), and with the `eventsource` package (which, at 4.1.1,
 * the newest that runs on Node 20, does not honour an id without data).
 * Chromium's EventSource: test/e2e/bookmark.test.ts.
 */
import { EventSource } from "eventsource";
import { afterEach, describe, expect, it } from "vitest";
import { api, openStream, register, startTestServer, waitFor, type RawStream, type TestServer } from "../helpers.js";
import { createSchema, type TestSchema } from "../scale/pg.js";

let server: TestServer | undefined;
let schema: TestSchema | undefined;
const closers: { close(): void }[] = [];

afterEach(async () => {
  for (const c of closers.splice(0)) c.close();
  await server?.destroy();
  server = undefined;
  await schema?.drop();
  schema = undefined;
});

async function startOn(kind: "sqlite" | "postgres"): Promise<TestServer> {
  if (kind === "postgres") schema = await createSchema();
  // A short keep-alive: the bookmark rides on it.
  server = await startTestServer({ keepalive: "200ms", ...(schema ? { database: schema.url } : {}) });
  return server;
}

async function head(s: TestServer): Promise<number> {
  return (await s.store.eventBounds()).last;
}

/** `n` changes to `id` (events the quiet stream does not want). */
async function churn(s: TestServer, id: string, token: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect((await api(s.url, "PATCH", `/api/v1/agents/${id}`, { version: `1.${i}` }, token)).status).toBe(200);
}

async function stream(s: TestServer, query: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const st = await openStream(s.url, query, headers);
  closers.push(st);
  return st;
}

describe.each(["sqlite", "postgres"] as const)("bookmarks (%s)", (kind) => {
  it("a quiet filtered stream gets an id-only frame at its position, and resumes from it after the log was pruned", async () => {
    const s = await startOn(kind);
    const watched = await register(s.url, "watched");
    const other = await register(s.url, "other");
    const start = await head(s);
    const quiet = await stream(s, `?agent_id=watched&last_event_id=${start}`);
    await churn(s, "other", other, 5);
    const moved = await head(s);
    expect(moved).toBe(start + 5);

    // On the wire, after the opening `retry:` and comment: only bookmarks and keep-alives, never a data line.
    await waitFor(() => quiet.bytes.includes(`\nid: ${moved}\n\n`), "the bookmark");
    const afterOpen = quiet.bytes.slice(quiet.bytes.indexOf(": connected\n\n") + ": connected\n\n".length);
    expect(afterOpen).toMatch(/^(: keep-alive\n\n|id: \d+\n\n)+$/);
    const marks = [...afterOpen.matchAll(/id: (\d+)\n\n/g)].map((m) => Number(m[1]));
    // Each one moves the client forward (the churn went on while they were sent), the last to the position.
    expect(marks.every((id, i) => id > (marks[i - 1] ?? start))).toBe(true);
    expect(marks.at(-1)).toBe(moved);
    expect(quiet.frames).toEqual([]); // an empty data buffer dispatches nothing
    quiet.close();

    // The log forgets everything before its newest event: where the stream started is pruned.
    await s.store.prune(1, 0);
    const { oldest } = await s.store.eventBounds();
    expect(start).toBeLessThan(oldest! - 1);

    // Resumed from the bookmark (as a browser sends it): no reset, and the next match arrives, alone.
    const resumed = await stream(s, "?agent_id=watched", { "last-event-id": String(moved) });
    await churn(s, "other", other, 2);
    await churn(s, "watched", watched, 1);
    await waitFor(() => resumed.frames.length > 0, "the match");
    expect(resumed.frames.map((f) => [f.event, Number(f.id)])).toEqual([["agent_updated", moved + 3]]);

    // Without the bookmark the same resume would have been a reset.
    const fromStart = await stream(s, "?agent_id=watched", { "last-event-id": String(start) });
    await waitFor(() => fromStart.frames.length > 0, "the reset");
    expect(fromStart.frames[0].event).toBe("reset");
  });

  it("the eventsource package (4.1.1) sees no event in a bookmark, but does not move its Last-Event-ID either", async () => {
    const s = await startOn(kind);
    const watched = await register(s.url, "watched");
    const other = await register(s.url, "other");
    const start = await head(s);
    const sent: (string | null)[] = [];
    // The real fetch; only the Last-Event-ID of each connection is noted.
    const recording: typeof fetch = (input, init) => {
      sent.push(new Headers(init?.headers).get("last-event-id"));
      return fetch(input, init);
    };
    const es = new EventSource(`${s.url}/api/v1/events?agent_id=watched&last_event_id=${start}`, { fetch: recording });
    closers.push(es);
    const seen: { type: string; id: string }[] = [];
    for (const type of ["agent_updated", "reset", "message"]) es.addEventListener(type, (e) => seen.push({ type, id: (e as MessageEvent).lastEventId }));
    await waitFor(() => es.readyState === EventSource.OPEN, "the stream to open");
    await churn(s, "watched", watched, 1);
    const match = await head(s);
    await waitFor(() => seen.length === 1, "the match");
    await churn(s, "other", other, 5);
    const moved = await head(s);
    await waitFor(() => s.app.hub.inspect().oldestHeld === moved, "the bookmark");
    expect(seen).toEqual([{ type: "agent_updated", id: String(match) }]); // nothing fired for it

    await s.store.prune(1, 0);
    s.app.http.server.closeAllConnections(); // the connection drops; the client reconnects by itself
    await waitFor(() => seen.length === 2, "the answer to the reconnect", 15_000);
    // It resumes from the last event it dispatched, which the log has pruned: a reset.
    // (eventsource 5.1.1 and eventsource-parser 4.1 honour an id without data, but need Node 22;
    // with them this reconnect would send the bookmark and get no reset. The SDK is built on this package.)
    expect(sent).toEqual([null, String(match)]);
    expect(seen[1].type).toBe("reset");
  });
});
