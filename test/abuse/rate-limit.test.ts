/**
 * The write rate limit keys on who the caller proved to be: the agent whose
 * token verified (or the admin, who is exempt), otherwise the client address.
 * Made-up tokens mint no keys, header variants of one token are one key, and
 * many verified agents behind one address are many clients.
 *
 * Date is faked (frozen) so a one-second window never rolls over in the
 * middle of a test, however slow the machine.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ADMIN, api, card, type TestServer } from "../helpers.js";
import { STORES, send, startOn } from "./support.js";

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe.each(STORES)("rate limit (%s)", (kind) => {
  let server: TestServer | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(async () => {
    await server?.destroy();
    server = undefined;
    vi.useRealTimers();
  });

  async function registerAsAdmin(url: string, id: string): Promise<string> {
    const r = await api(url, "POST", "/api/v1/agents", card(id), ADMIN);
    expect(r.status).toBe(201);
    return r.body.agent_token;
  }

  it("made-up tokens count against the address and are refused with 401; none registers anything", async () => {
    server = await startOn(kind, { rateLimit: "5" });
    const { url } = server;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push((await send(url, "POST", "/api/v1/agents", { authorization: `Bearer junk-${i}-${"x".repeat(i)}` }, card(`junk-${i}`))).status);
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(25).fill(429)]);
    // The address's budget is what they spent: an honest anonymous registration from it waits too.
    const late = await send(url, "POST", "/api/v1/agents", {}, card("late"));
    expect(late.status).toBe(429);
    expect(late.body.code).toBe("rate_limited");
    expect(Number(late.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((await api(url, "GET", "/api/v1/agents")).body.total).toBe(0);
  });

  it("open registration is limited per address", async () => {
    server = await startOn(kind, { rateLimit: "5" });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await send(server.url, "POST", "/api/v1/agents", {}, card(`open-${i}`))).status);
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(7).fill(429)]);
  });

  it("padding, case and whitespace variants of one agent's token are one key", async () => {
    server = await startOn(kind, { rateLimit: "5" });
    const { url } = server;
    const token = await registerAsAdmin(url, "padded");
    const variants = (i: number) => [`Bearer ${token}`, `bearer ${token}`, `BEARER\t${token}`, `Bearer${" ".repeat(1 + (i % 30))}${token}${" ".repeat(i % 7)}`];
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const authorization = variants(i)[i % 4];
      statuses.push((await send(url, "POST", "/api/v1/agents/padded/heartbeat", { authorization })).status);
    }
    expect(count(statuses, 200)).toBe(5);
    expect(count(statuses, 429)).toBe(95);
  });

  it("a token that verifies as nothing is a 401 before the body is even read", async () => {
    server = await startOn(kind, { rateLimit: "5" });
    const { url } = server;
    await registerAsAdmin(url, "target");
    const r = await send(url, "PATCH", "/api/v1/agents/target", { authorization: "Bearer made-up", "content-type": "application/json" }, { version: 3, bogus: true });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("unauthorized");
    expect(r.headers["www-authenticate"]).toBe("Bearer");
  });

  it("many verified agents behind one address are many clients; the admin token is exempt", async () => {
    server = await startOn(kind, { rateLimit: "3" });
    const { url } = server;
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) tokens.push(await registerAsAdmin(url, `fleet-${i}`));
    for (let i = 0; i < 8; i++) {
      const statuses: number[] = [];
      for (let n = 0; n < 4; n++) statuses.push((await api(url, "POST", `/api/v1/agents/fleet-${i}/heartbeat`, undefined, tokens[i])).status);
      expect(statuses, `fleet-${i}`).toEqual([200, 200, 200, 429]);
    }
    // One budget per client across the write routes: the agent's PATCH is over it too.
    expect((await api(url, "PATCH", "/api/v1/agents/fleet-0", { version: "2" }, tokens[0])).status).toBe(429);
    for (let n = 0; n < 10; n++) expect((await api(url, "PATCH", "/api/v1/agents/fleet-0", { version: `9.${n}` }, ADMIN)).status).toBe(200);
  });

  it("the address is the forwarded one behind --trust-proxy, and only then", async () => {
    server = await startOn(kind, { rateLimit: "2", trustProxy: "loopback" });
    const from = (ip: string, id: string) => send(server!.url, "POST", "/api/v1/agents", { "x-forwarded-for": ip }, card(id));
    expect([(await from("203.0.113.1", "p1")).status, (await from("203.0.113.1", "p2")).status, (await from("203.0.113.1", "p3")).status]).toEqual([201, 201, 429]);
    expect((await from("203.0.113.2", "p4")).status).toBe(201);
    await server.destroy();

    server = await startOn(kind, { rateLimit: "2" });
    const direct = (ip: string, id: string) => send(server!.url, "POST", "/api/v1/agents", { "x-forwarded-for": ip }, card(id));
    expect([(await direct("203.0.113.1", "q1")).status, (await direct("203.0.113.2", "q2")).status, (await direct("203.0.113.3", "q3")).status]).toEqual([201, 201, 429]);
  });
});
