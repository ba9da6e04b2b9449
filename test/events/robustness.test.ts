/**
 * The stream under pressure: slow consumers, many subscribers, caps, leaks,
 * restarts and shutdown. Real server, real sockets.
 */
import { EventSource } from "eventsource";
import { connect, type Socket } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startServer } from "../../src/server/start.js";
import { RawStream, api, openStream, register, startTestServer, tempDir, waitFor, type TestServer } from "../helpers.js";

let server: TestServer | undefined;
const closers: { close(): void }[] = [];

afterEach(async () => {
  for (const c of closers.splice(0)) c.close();
  await server?.destroy();
  server = undefined;
});

function resources(kind: string): number {
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

describe("slow consumers", () => {
  it("a client that stops reading is disconnected while the others keep receiving; buffered bytes stay bounded", async () => {
    const limit = 64 * 1024;
    server = await startTestServer({ maxStreamBuffer: String(limit), slowConsumerGrace: "1s" });
    const s = server;
    const token = await register(s.url, "big");
    const reader = await openStream(s.url, "?agent_id=big");
    closers.push(reader);
    const stalled = new RawStream(`${s.url}/api/v1/events?agent_id=big`, {}, { pause: true });
    closers.push(stalled);
    await stalled.opened;
    await waitFor(() => s.app.hub.size === 2, "both subscribers");
    const blob = "x".repeat(3500);
    let sent = 0;
    let maxQueued = 0;
    while (s.app.hub.metrics.slowConsumerDisconnects === 0 && sent < 6000) {
      await api(s.url, "PATCH", "/api/v1/agents/big", { metadata: { i: sent, blob } }, token);
      sent++;
      for (const sub of s.app.hub["all"]) maxQueued = Math.max(maxQueued, sub.sink.buffered());
    }
    expect(s.app.hub.metrics.slowConsumerDisconnects).toBe(1);
    // bounded: never more than the limit plus one write queued on any socket
    expect(maxQueued).toBeLessThan(limit + 8 * 1024);
    await waitFor(() => s.app.hub.size === 1, "the slow subscriber to be removed");
    await api(s.url, "PATCH", "/api/v1/agents/big", { metadata: { i: "after" } }, token);
    await waitFor(() => reader.events().at(-1)?.agent.metadata.i === "after", "the reader to keep receiving", 20_000);
    const ids = reader.frames.map((f) => Number(f.id));
    expect(ids).toEqual(ids.map((_, k) => ids[0] + k));
    expect(reader.frames).toHaveLength(sent + 1);
  });
});

describe("many subscribers", () => {
  it("1,000 concurrent subscribers all receive an event, and all are gone after they disconnect, with no timer or socket left", async () => {
    server = await startTestServer({ maxStreamsPerClient: "2000", maxStreams: "2000", keepalive: "100ms" });
    const s = server;
    // the REST client's keep-alive connection is opened before the baseline
    const token = await register(s.url, "fanout");
    const connections = () => new Promise<number>((resolve, reject) => s.app.http.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const baseConnections = await connections();
    const baseTimers = resources("Timeout");
    const baseSockets = resources("TCPSocketWrap");
    const subs: RawStream[] = [];
    for (let i = 0; i < 1000; i++) subs.push(new RawStream(`${s.url}/api/v1/events`));
    await Promise.all(subs.map((x) => x.opened));
    await waitFor(() => s.app.hub.size === 1000, "1000 subscribers", 30_000);
    await api(s.url, "PATCH", "/api/v1/agents/fanout", { version: "2" }, token);
    await waitFor(() => subs.every((x) => x.frames.length === 1), "every subscriber to get the event", 30_000);
    expect(new Set(subs.map((x) => x.frames[0].id))).toEqual(new Set(["2"]));
    // one shared keep-alive timer, not one per connection
    await waitFor(() => subs.every((x) => x.comments.includes("keep-alive")), "keep-alive comments");
    expect(resources("Timeout") - baseTimers).toBeLessThan(5);
    for (const x of subs) x.close();
    await waitFor(() => s.app.hub.size === 0, "the subscriber count to return to zero", 20_000);
    expect(s.app.hub.inspect()).toMatchObject({ subscribers: 0, live: 0, clients: 0 });
    await waitFor(() => resources("TCPSocketWrap") <= baseSockets, "sockets to be released", 20_000);
    expect(await connections()).toBe(baseConnections);
    expect(resources("Timeout") - baseTimers).toBeLessThan(5);
  });
});

describe("caps", () => {
  it("over the total or per-client cap a stream is a 200 that says retry later and closes (never a refusal)", async () => {
    server = await startTestServer({ maxStreams: "3", maxStreamsPerClient: "2" });
    const s = server;
    const a = await openStream(s.url);
    const b = await openStream(s.url);
    closers.push(a, b);
    const c = new RawStream(`${s.url}/api/v1/events`);
    await c.opened;
    await waitFor(() => c.ended, "the over-cap stream to close");
    expect(c.status).toBe(200);
    expect(c.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(c.retries[0]).toBeGreaterThanOrEqual(24_000);
    expect(c.comments.join(" ")).toContain("over capacity");
    expect(s.app.hub.size).toBe(2);
    // an EventSource in that situation stays CONNECTING/OPEN (it will retry), not CLOSED
    const es = new EventSource(`${s.url}/api/v1/events`);
    closers.push(es);
    await new Promise((r) => es.addEventListener("open", r, { once: true }));
    await waitFor(() => es.readyState === EventSource.CONNECTING, "the client to plan a retry");
    expect(es.readyState).not.toBe(EventSource.CLOSED);
  });
});

describe("client addresses behind a proxy (--trust-proxy)", () => {
  async function streamsFrom(addresses: string[]): Promise<RawStream[]> {
    const streams: RawStream[] = [];
    for (const address of addresses) {
      const st = new RawStream(`${server!.url}/api/v1/events`, { "x-forwarded-for": address });
      closers.push(st);
      await st.opened;
      streams.push(st);
    }
    return streams;
  }

  it("counts streams per client by X-Forwarded-For when the proxy is trusted", async () => {
    server = await startTestServer({ maxStreamsPerClient: "1", trustProxy: "127.0.0.1" });
    const s = server;
    const [a, b, again] = await streamsFrom(["203.0.113.1", "203.0.113.2", "203.0.113.1"]);
    await waitFor(() => again.ended, "the second stream of 203.0.113.1 to be turned away");
    expect(again.comments.join(" ")).toContain("over capacity");
    expect(a.ended || b.ended).toBe(false);
    expect(s.app.hub.countFor("203.0.113.1")).toBe(1);
    expect(s.app.hub.countFor("203.0.113.2")).toBe(1);
  });

  it("ignores X-Forwarded-For by default: a client cannot pose as many", async () => {
    server = await startTestServer({ maxStreamsPerClient: "1" });
    const s = server;
    const [a, b] = await streamsFrom(["203.0.113.1", "203.0.113.2"]);
    await waitFor(() => b.ended, "the second stream from the same peer to be turned away");
    expect(a.ended).toBe(false);
    expect(s.app.hub.countFor("203.0.113.1")).toBe(0);
    expect(s.app.hub.size).toBe(1);
  });
});

describe("restart and shutdown", () => {
  it("a restart on the same SQLite file: a client resumes across it with nothing lost", async () => {
    const dir = tempDir();
    server = await startTestServer({}, dir);
    const port = server.port;
    const token = await register(server.url, "phoenix");
    const es = new EventSource(`${server.url}/api/v1/events?agent_id=phoenix`);
    closers.push(es);
    const got: { id: number; i: unknown }[] = [];
    es.addEventListener("agent_updated", (e) => got.push({ id: Number(e.lastEventId), i: JSON.parse(e.data).agent.metadata.i }));
    await new Promise((r) => es.addEventListener("open", r, { once: true }));
    await api(server.url, "PATCH", "/api/v1/agents/phoenix", { metadata: { i: 1 } }, token);
    await waitFor(() => got.length === 1, "first event");
    await server.close(10);
    server = await startTestServer({ port: String(port) }, dir);
    for (let i = 2; i <= 4; i++) await api(server.url, "PATCH", "/api/v1/agents/phoenix", { metadata: { i } }, token);
    await waitFor(() => got.length === 4, "events after the restart", 20_000);
    expect(got.map((g) => g.i)).toEqual([1, 2, 3, 4]);
    expect(got.map((g) => g.id)).toEqual([2, 3, 4, 5]);
    const agents = await api(server.url, "GET", "/api/v1/agents");
    expect(agents.body.agents.map((a: any) => a.id)).toEqual(["phoenix"]);
  });

  it("events missed while a client was away are replayed from the store after a restart", async () => {
    const dir = tempDir();
    server = await startTestServer({}, dir);
    const token = await register(server.url, "away");
    await api(server.url, "PATCH", "/api/v1/agents/away", { metadata: { i: 1 } }, token);
    await server.close(10);
    server = await startTestServer({}, dir);
    await api(server.url, "PATCH", "/api/v1/agents/away", { metadata: { i: 2 } }, token);
    const s = await openStream(server.url, "", { "last-event-id": "1" });
    closers.push(s);
    await waitFor(() => s.frames.length === 2, "the missed events");
    expect(s.events().map((e) => e.agent.metadata.i)).toEqual([1, 2]);
  });

  it("shutdown closes connections that never sent a byte at once, and answers one whose request has begun arriving", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const dir = tempDir();
    const s = await startServer({ port: 0, database: `sqlite:${dir}/db.sqlite`, rateLimit: "0" }, { logger: pino({ level: "warn" }, sink) });
    const open = async () => {
      const socket = connect(s.port, "127.0.0.1");
      let received = "";
      socket.setEncoding("utf8").on("data", (d: string) => (received += d));
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.on("error", () => {});
      await new Promise((resolve) => socket.on("connect", resolve));
      return { socket: socket as Socket, closed, received: () => received };
    };
    const preconnect = await open();
    const partial = await open();
    partial.socket.write("GET /api/v1/agents HTTP/1.1\r\nHost: localhost\r\n");
    // Let the server read those bytes (a request still in the kernel's buffer looks like no request).
    await new Promise((r) => setTimeout(r, 200));
    const closing = s.close(10);
    await preconnect.closed;
    expect(preconnect.received()).toBe("");
    partial.socket.write("\r\n");
    await partial.closed;
    expect(partial.received()).toMatch(/^HTTP\/1\.1 503 /);
    await closing;
    // Nothing was left for the grace period's deadline to cut.
    expect(lines.join("")).not.toContain("grace period over");
  });

  it("shutdown lets an in-flight request finish, then closes the store", async () => {
    server = await startTestServer();
    const s = server;
    const list = s.store.listAgents.bind(s.store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    s.store.listAgents = async (q) => {
      await gate;
      return list(q);
    };
    const inFlight = api(s.url, "GET", "/api/v1/agents");
    await waitFor(() => s.app.http.server.listening, "listening");
    await new Promise((r) => setTimeout(r, 50));
    const closing = s.close(10);
    setTimeout(release, 100);
    const r = await inFlight;
    expect(r.status).toBe(200);
    await closing;
    await expect(s.store.ping()).rejects.toThrow();
  });

  it("shutdown with many open streams ends each with a retry hint and completes", async () => {
    server = await startTestServer({ maxStreamsPerClient: "1000" });
    const s = server;
    const subs: RawStream[] = [];
    for (let i = 0; i < 300; i++) subs.push(new RawStream(`${s.url}/api/v1/events`));
    await Promise.all(subs.map((x) => x.opened));
    await waitFor(() => s.app.hub.size === 300, "300 subscribers");
    await s.close(200);
    await waitFor(() => subs.every((x) => x.ended), "every stream to end");
    expect(subs.every((x) => x.retries.length === 2 && x.comments.includes("server closing"))).toBe(true);
    const after = await fetch(`${s.url}/healthz`).then(
      () => "answered",
      () => "refused",
    );
    expect(after).toBe("refused");
  });
});

describe("keep-alive and auth on the stream", () => {
  it("sends keep-alive comments and requires the read token when one is configured", async () => {
    server = await startTestServer({ keepalive: "50ms", readToken: "read-token-0123456789" });
    const s = server;
    const denied = await api(s.url, "GET", "/api/v1/events");
    expect(denied.status).toBe(401);
    expect(denied.body.code).toBe("unauthorized");
    const ok = await openStream(s.url, "", { authorization: "Bearer read-token-0123456789" });
    closers.push(ok);
    await waitFor(() => ok.comments.filter((c) => c === "keep-alive").length >= 2, "keep-alives");
    const login = await api(s.url, "POST", "/api/v1/session", { token: "read-token-0123456789" });
    expect(login.status).toBe(204);
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toContain("read-token-0123456789");
    const viaCookie = await openStream(s.url, "", { cookie: cookie.split(";")[0] });
    closers.push(viaCookie);
    expect(viaCookie.status).toBe(200);
    await register(s.url, "k1");
    await waitFor(() => viaCookie.frames.length === 1, "an event over the cookie session");
  });
});
