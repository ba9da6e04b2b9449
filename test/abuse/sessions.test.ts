/**
 * Dashboard sessions: kept in the store (only a keyed hash of the id), with a
 * server-side expiry, ended on the server by sign-out, shared by instances on
 * one database, ended for everyone by changing the read token; and sign-in
 * attempts are rate-limited per address.
 *
 * Date is faked (frozen, moved by hand) for the expiry and the sign-in window.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, type TestServer } from "../helpers.js";
import { sql } from "../scale/pg.js";
import { STORES, send, startOn, type AbuseServer } from "./support.js";

const READ = "read-token-0123456789abcdef";
const DAY = 86_400_000;

async function signIn(url: string, token = READ, headers: Record<string, string> = {}) {
  const r = await send(url, "POST", "/api/v1/session", headers, { token });
  const setCookie = r.headers["set-cookie"]?.[0] ?? "";
  return { status: r.status, setCookie, cookie: setCookie.split(";")[0], body: r.body, headers: r.headers };
}

const readWith = async (url: string, cookie: string) => (await send(url, "GET", "/api/v1/agents", { cookie })).status;

async function storedSessions(server: AbuseServer): Promise<unknown[]> {
  if (server.kind === "postgres") return sql(`select * from "${server.pgSchema}".sessions`);
  const db = new BetterSqlite3(server.dbFile, { readonly: true });
  try {
    return db.prepare("select * from sessions").all();
  } finally {
    db.close();
  }
}

describe.each(STORES)("sessions (%s)", (kind) => {
  let server: AbuseServer | undefined;
  const others: TestServer[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(async () => {
    for (const s of others.splice(0)) await s.destroy();
    await server?.destroy();
    server = undefined;
    vi.useRealTimers();
  });

  it("sign-out ends the session on the server: a kept copy of the cookie no longer reads", async () => {
    server = await startOn(kind, { readToken: READ });
    const { url } = server;
    const a = await signIn(url);
    const b = await signIn(url);
    expect(a.status).toBe(204);
    expect(a.cookie).not.toBe(b.cookie);
    expect(await readWith(url, a.cookie)).toBe(200);
    const out = await send(url, "DELETE", "/api/v1/session", { cookie: a.cookie });
    expect(out.status).toBe(204);
    expect(out.headers["set-cookie"]?.[0]).toContain("Max-Age=0");
    expect(await readWith(url, a.cookie)).toBe(401);
    expect((await send(url, "GET", "/api/v1/session", { cookie: a.cookie })).body).toEqual({ read_token_required: true, authenticated: false });
    // Only that session ended.
    expect(await readWith(url, b.cookie)).toBe(200);
  });

  it("the cookie carries an expiry (7 days by default), and the server ends the session then, whatever the browser keeps", async () => {
    server = await startOn(kind, { readToken: READ });
    const { url } = server;
    const s = await signIn(url);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).toMatch(/Max-Age=604800(;|$)/);
    vi.setSystemTime(Date.now() + 7 * DAY - 1000);
    expect(await readWith(url, s.cookie)).toBe(200);
    vi.setSystemTime(Date.now() + 2000);
    expect(await readWith(url, s.cookie)).toBe(401);
  });

  it("the store keeps only a hash of the session id; a forged cookie reads nothing", async () => {
    server = await startOn(kind, { readToken: READ });
    const s = await signIn(server.url);
    const id = s.cookie.split("=")[1];
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await storedSessions(server);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(JSON.stringify(rows)).not.toContain(READ);
    expect(await readWith(server.url, `agentmesh_session=${"A".repeat(43)}`)).toBe(401);
    expect(await readWith(server.url, "agentmesh_session=forged")).toBe(401);
  });

  it("sessions survive a restart; changing the read token signs everyone out", async () => {
    server = await startOn(kind, { readToken: READ });
    const s = await signIn(server.url);
    await server.close(50);
    const same = await server.sibling();
    others.push(same);
    expect(await readWith(same.url, s.cookie)).toBe(200);
    await same.close(50);
    const rotated = await server.sibling({ readToken: "another-read-token-0123456789" });
    others.push(rotated);
    expect(await readWith(rotated.url, s.cookie)).toBe(401);
  });

  it("sign-in attempts are limited per address (10 a minute by default), the right token included once over the limit", async () => {
    server = await startOn(kind, { readToken: READ, trustProxy: "loopback" });
    const { url } = server;
    const from = { "x-forwarded-for": "198.51.100.7" };
    for (let i = 0; i < 10; i++) expect((await signIn(url, `guess-${i}-0123456789`, from)).status).toBe(401);
    const limited = await signIn(url, READ, from);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(limited.setCookie).toBe("");
    // Another address is another budget; and the window passes.
    expect((await signIn(url, READ, { "x-forwarded-for": "198.51.100.8" })).status).toBe(204);
    vi.setSystemTime(Date.now() + 61_000);
    expect((await signIn(url, READ, from)).status).toBe(204);
  });

  if (kind === "postgres") {
    it("two instances on one PostgreSQL share sessions: signed in on one, read and signed out on the other", async () => {
      server = await startOn(kind, { readToken: READ });
      const b = await server.sibling();
      others.push(b);
      const s = await signIn(server.url);
      expect(await readWith(b.url, s.cookie)).toBe(200);
      expect((await send(b.url, "DELETE", "/api/v1/session", { cookie: s.cookie })).status).toBe(204);
      expect(await readWith(server.url, s.cookie)).toBe(401);
      expect(await readWith(b.url, s.cookie)).toBe(401);
    });
  }

  it("--session-max-age sets both the cookie's Max-Age and the server's expiry", async () => {
    server = await startOn(kind, { readToken: READ, sessionMaxAge: "12h" });
    const s = await signIn(server.url);
    expect(s.setCookie).toMatch(/Max-Age=43200(;|$)/);
    vi.setSystemTime(Date.now() + 12 * 3_600_000 + 1000);
    expect(await readWith(server.url, s.cookie)).toBe(401);
  });
});

describe("sessions when no read token is configured", () => {
  it("sign-in answers 204 without a cookie and reads stay open", async () => {
    const server = await startOn("sqlite");
    try {
      const s = await signIn(server.url, "anything-at-all");
      expect(s.status).toBe(204);
      expect(s.setCookie).toBe("");
      expect((await api(server.url, "GET", "/api/v1/session")).body).toEqual({ read_token_required: false, authenticated: true });
    } finally {
      await server.destroy();
    }
  });
});
