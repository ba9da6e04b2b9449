/**
 * A stream opened on a dashboard session ends with the session: signing out
 * (on this instance, at once; on another, at the next look) or the session
 * expiring closes it, instead of a kept-open EventSource reading on forever
 * after the session that let it in has ended. A stream opened with the read
 * token itself is not affected.
 *
 * Real HTTP, a raw SSE reader, both stores. Date and the interval timers are
 * faked for the expiry (sockets stay real).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { RawStream, waitFor, type TestServer } from "../helpers.js";
import { SESSION_RECHECK_MS } from "../../src/server/http/sessions.js";
import { STORES, send, startOn, type AbuseServer } from "./support.js";

const READ = "read-token-0123456789abcdef";
const DAY = 86_400_000;

async function signIn(url: string): Promise<string> {
  const r = await send(url, "POST", "/api/v1/session", {}, { token: READ });
  expect(r.status).toBe(204);
  return String(r.headers["set-cookie"]?.[0] ?? "").split(";")[0];
}

describe.each(STORES)("streams end with their session (%s)", (kind) => {
  let server: AbuseServer | undefined;
  const others: TestServer[] = [];
  const streams: RawStream[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const s of streams.splice(0)) s.close();
    for (const o of others.splice(0)) await o.destroy();
    await server?.destroy();
    server = undefined;
  });

  function open(url: string, headers: Record<string, string>): RawStream {
    const st = new RawStream(`${url}/api/v1/events`, headers);
    streams.push(st);
    return st;
  }

  it("signing out closes the session's open stream at once; a read-token stream stays", async () => {
    server = await startOn(kind, { readToken: READ });
    const cookie = await signIn(server.url);
    const byCookie = open(server.url, { cookie });
    const byToken = open(server.url, { authorization: `Bearer ${READ}` });
    await Promise.all([byCookie.opened, byToken.opened]);
    expect(byCookie.status).toBe(200);
    await waitFor(() => server!.app.hub.size === 2, "both streams subscribed");

    expect((await send(server.url, "DELETE", "/api/v1/session", { cookie })).status).toBe(204);
    await waitFor(() => byCookie.ended, "the signed-out stream to close");
    expect(byToken.ended).toBe(false);
    expect(server.app.hub.size).toBe(1);
    // And it cannot come back.
    const again = open(server.url, { cookie });
    await again.opened;
    expect(again.status).toBe(401);
  });

  it("the stream closes when its session expires, and when it is signed out on another instance", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    server = await startOn(kind, { readToken: READ, sessionMaxAge: "1d" });
    const cookie = await signIn(server.url);
    const expiring = open(server.url, { cookie });
    await expiring.opened;
    await waitFor(() => server!.app.hub.size === 1, "the stream subscribed");
    vi.advanceTimersByTime(SESSION_RECHECK_MS);
    // Still live: a look that finds the session live keeps the stream.
    await new Promise((r) => setTimeout(r, 200));
    expect(expiring.ended).toBe(false);
    vi.setSystemTime(Date.now() + DAY + 1000);
    vi.advanceTimersByTime(SESSION_RECHECK_MS);
    await waitFor(() => expiring.ended, "the expired session's stream to close");

    if (kind === "postgres") {
      const b = await server.sibling({ readToken: READ });
      others.push(b);
      const cookie2 = await signIn(server.url);
      const elsewhere = open(server.url, { cookie: cookie2 });
      await elsewhere.opened;
      await waitFor(() => server!.app.hub.size === 1, "the second stream subscribed");
      expect((await send(b.url, "DELETE", "/api/v1/session", { cookie: cookie2 })).status).toBe(204);
      vi.advanceTimersByTime(SESSION_RECHECK_MS);
      await waitFor(() => elsewhere.ended, "the stream signed out on the other instance to close");
    }
  });
});
