/**
 * The stream route at its HTTP edges, on raw sockets: HEAD is the stream's
 * headers without a body (and no subscriber), HTTP/1.0 gets a close-delimited
 * stream, and one resume rule answers the same id the same way on the stream
 * and in `/events/history`, on SQLite and on PostgreSQL.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { api, openStream, register, startTestServer, waitFor, type TestServer } from "../helpers.js";
import { createSchema, type TestSchema } from "../scale/pg.js";

let server: TestServer | undefined;
let schema: TestSchema | undefined;
const sockets: Socket[] = [];
const closers: { close(): void }[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of closers.splice(0)) c.close();
  await server?.destroy();
  server = undefined;
  await schema?.drop();
  schema = undefined;
});

/** A raw connection: everything received, as latin1 text (bytes one to one). */
async function raw(port: number) {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  const conn = { socket, received: "", ended: false };
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => (conn.received += d));
  socket.on("end", () => (conn.ended = true));
  socket.on("close", () => (conn.ended = true));
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  return conn;
}

function headOf(text: string): { status: string; headers: Record<string, string>; rest: string } {
  const end = text.indexOf("\r\n\r\n");
  const [status, ...lines] = text.slice(0, end).split("\r\n");
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  return { status, headers, rest: text.slice(end + 4) };
}

describe("HEAD /api/v1/events", () => {
  it("answers the stream's headers with no body, opens no stream, and leaves the connection usable", async () => {
    server = await startTestServer();
    const s = server;
    const conn = await raw(s.port);
    conn.socket.write("HEAD /api/v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await waitFor(() => conn.received.includes("\r\n\r\n"), "the HEAD answer");
    const head = headOf(conn.received);
    expect(head.status).toBe("HTTP/1.1 200 OK");
    expect(head.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(head.headers["cache-control"]).toBe("no-cache, no-transform");
    expect(head.headers["x-accel-buffering"]).toBe("no");
    expect(s.app.hub.size).toBe(0);
    expect(s.app.hub.metrics.streamsOpened).toBe(0);
    // The next bytes on the connection answer the next request: the HEAD answer had no body.
    conn.socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await waitFor(() => headOf(conn.received).rest.includes("\r\n\r\n"), "the answer to the next request");
    expect(headOf(conn.received).rest).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(s.app.hub.size).toBe(0);
  });

  it("is refused like the stream without the read token, and validates its query the same way", async () => {
    server = await startTestServer({ readToken: "read-token-0123456789" });
    const denied = await fetch(`${server.url}/api/v1/events`, { method: "HEAD" });
    expect(denied.status).toBe(401);
    const ok = await fetch(`${server.url}/api/v1/events`, { method: "HEAD", headers: { authorization: "Bearer read-token-0123456789" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const bad = await fetch(`${server.url}/api/v1/events?types=nope`, { method: "HEAD", headers: { authorization: "Bearer read-token-0123456789" } });
    expect(bad.status).toBe(400);
    expect(server.app.hub.metrics.streamsOpened).toBe(0);
  });
});

describe("HTTP/1.0", () => {
  it("gets a close-delimited stream: no chunked encoding, Connection: close, bare frames, ended by closing", async () => {
    server = await startTestServer();
    const s = server;
    await register(s.url, "old-1");
    await register(s.url, "old-2");
    const conn = await raw(s.port);
    conn.socket.write("GET /api/v1/events?last_event_id=0 HTTP/1.0\r\nHost: localhost\r\n\r\n");
    await waitFor(() => conn.received.includes("id: 2\n"), "the replayed events");
    await register(s.url, "old-3");
    await waitFor(() => conn.received.includes("id: 3\n"), "a live event");
    const head = headOf(conn.received);
    expect(head.status).toMatch(/^HTTP\/1\.[01] 200 OK$/);
    expect(head.headers["transfer-encoding"]).toBeUndefined();
    expect(head.headers["content-length"]).toBeUndefined();
    expect(head.headers.connection).toBe("close");
    expect(head.headers["content-type"]).toMatch(/^text\/event-stream/);
    // The body is SSE and nothing else: the first line is the retry hint, then whole frames.
    expect(head.rest).toMatch(/^retry: \d+\n: connected\n\n/);
    const body = head.rest.replace(/^retry: \d+\n: connected\n\n/, "");
    const frames = body.split("\n\n").filter(Boolean);
    expect(frames.map((f) => f.split("\n").slice(0, 2))).toEqual([1, 2, 3].map((id) => [`id: ${id}`, "event: agent_registered"]));
    for (const f of frames) expect(f).toMatch(/^id: \d+\nevent: \w+\ndata: \{.*\}$/);
    // The end of the stream is the end of the connection, with the retry hint first.
    const closing = s.close(10);
    await waitFor(() => conn.ended, "the server to close the connection");
    await closing;
    expect(conn.received.endsWith(": server closing\n\n")).toBe(true);
    expect(conn.received).not.toMatch(/\r\n0\r\n\r\n$/);
  });

  it("an HTTP/1.0 client over the stream cap is told to come back later the same way, without chunks", async () => {
    server = await startTestServer({ maxStreams: "1" });
    const first = await openStream(server.url);
    closers.push(first);
    const conn = await raw(server.port);
    conn.socket.write("GET /api/v1/events HTTP/1.0\r\nHost: localhost\r\n\r\n");
    await waitFor(() => conn.ended, "the over-cap answer to close");
    const head = headOf(conn.received);
    expect(head.headers["transfer-encoding"]).toBeUndefined();
    expect(head.rest).toMatch(/^retry: \d+\n: over capacity, retry later\n\n$/);
  });
});

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`one resume rule for the stream and history (${kind})`, () => {
    async function start(overrides: Record<string, string> = {}) {
      if (kind === "postgres") {
        schema = await createSchema();
        overrides = { database: schema.url, ...overrides };
      }
      server = await startTestServer(overrides);
      return server;
    }

    async function streamAnswer(s: TestServer, lastEventId: number) {
      const st = await openStream(s.url, "", { "last-event-id": String(lastEventId) });
      closers.push(st);
      await waitFor(() => st.frames.length > 0, "the first frame");
      return st.frames[0];
    }

    it("an id beyond the head is a reset in both", async () => {
      const s = await start();
      await register(s.url, "rule-1");
      const history = await api(s.url, "GET", "/api/v1/events/history?after=7");
      expect(history.status).toBe(200);
      expect(history.body).toMatchObject({ cursor: 1, reset: true, events: [] });
      const frame = await streamAnswer(s, 7);
      expect(frame.event).toBe("reset");
      expect(JSON.parse(frame.data)).toEqual({ type: "reset", cursor: 1, reason: "unknown_event_id", requested: 7 });
      // The head itself is retained (nothing after it is missing): neither resets.
      const atHead = await api(s.url, "GET", "/api/v1/events/history?after=1");
      expect(atHead.body.reset).toBe(false);
    });

    it("after pruning, an id the log no longer continues from is a reset in both, even while this instance still holds the events in memory", async () => {
      const s = await start();
      const token = await register(s.url, "rule-2");
      for (let i = 0; i < 9; i++) await api(s.url, "PATCH", "/api/v1/agents/rule-2", { metadata: { i } }, token);
      await waitFor(() => s.app.hub.lastId === 10, "the hub to see every event");
      expect(await s.store.prune(5, 0)).toBe(5);
      // The replay window still holds events 1-10.
      expect(s.app.hub.inspect().window).toBe(10);
      for (const after of [0, 3, 4]) {
        const history = await api(s.url, "GET", `/api/v1/events/history?after=${after}`);
        expect(history.body.reset).toBe(true);
        const frame = await streamAnswer(s, after);
        expect(frame.event).toBe("reset");
        expect(JSON.parse(frame.data)).toEqual({ type: "reset", cursor: 10, reason: "history_pruned", requested: after });
      }
      // 5 is the oldest retained id minus one: everything after it is there, in both.
      const history = await api(s.url, "GET", "/api/v1/events/history?after=5");
      expect(history.body.reset).toBe(false);
      expect(history.body.events.map((e: any) => e.id)).toEqual([6, 7, 8, 9, 10]);
      const st = await openStream(s.url, "", { "last-event-id": "5" });
      closers.push(st);
      await waitFor(() => st.frames.length === 5, "the retained events");
      expect(st.frames.map((f) => f.id)).toEqual(["6", "7", "8", "9", "10"]);
    });
  });
}
