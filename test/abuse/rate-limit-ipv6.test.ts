/**
 * An address-keyed limit (writes without a verified agent token, sign-in
 * attempts) must not be escaped by changing address within what one client
 * holds: an IPv6 host is handed a whole /64 and may send from any address in
 * it, and one address has many spellings (`2001:db8::1`, `2001:DB8:0::0001`,
 * an IPv4 address written as `::ffff:a.b.c.d`). The key is the address
 * normalised and, for IPv6, its /64 — what @fastify/rate-limit's own default
 * key does, and what a custom key generator loses unless it does the same.
 *
 * Real HTTP behind `--trust-proxy loopback`, the addresses forwarded as a proxy
 * would forward each client's. Date is frozen so a window never rolls over.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RawStream, card, startTestServer, waitFor, type TestServer } from "../helpers.js";
import { STORES, send, startOn, type AbuseServer } from "./support.js";

const READ = "read-token-0123456789abcdef";

describe.each(STORES)("address keys cannot be minted (%s)", (kind) => {
  let server: AbuseServer | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(async () => {
    await server?.destroy();
    server = undefined;
    vi.useRealTimers();
  });

  it("open registrations from addresses of one IPv6 /64, or spellings of one address, share one budget", async () => {
    server = await startOn(kind, { rateLimit: "5", trustProxy: "loopback" });
    const from = (ip: string, id: string) => send(server!.url, "POST", "/api/v1/agents", { "x-forwarded-for": ip }, card(id));
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await from(`2001:db8:1:2::${(i + 1).toString(16)}`, `v6-${i}`)).status);
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(7).fill(429)]);
    // Another /64 is another client.
    expect((await from("2001:db8:1:3::1", "v6-other")).status).toBe(201);

    const spellings = ["203.0.113.9", "::ffff:203.0.113.9", "::FFFF:203.0.113.9", "0:0:0:0:0:ffff:203.0.113.9", "::ffff:cb00:7109", "203.0.113.9", "::ffff:203.0.113.9"];
    const byIp: number[] = [];
    for (const [i, ip] of spellings.entries()) byIp.push((await from(ip, `v4-${i}`)).status);
    expect(byIp).toEqual([201, 201, 201, 201, 201, 429, 429]);
  });

  it("sign-in attempts from addresses of one IPv6 /64 share one budget", async () => {
    server = await startOn(kind, { readToken: READ, trustProxy: "loopback" });
    const signIn = (ip: string, token: string) => send(server!.url, "POST", "/api/v1/session", { "x-forwarded-for": ip }, { token });
    for (let i = 0; i < 10; i++) expect((await signIn(`2001:db8:5:6:${(i + 1).toString(16)}::${i}`, `guess-${i}-0123456789`)).status).toBe(401);
    const limited = await signIn("2001:db8:5:6:ffff:ffff:ffff:ffff", READ);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect((await signIn("2001:db8:5:7::1", READ)).status).toBe(204);
  });
});

// The stream cap involves no store: one store is enough.
describe("streams per client cannot be multiplied by changing address", () => {
  let server: TestServer | undefined;
  const streams: RawStream[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await server?.destroy();
    server = undefined;
  });

  it("streams from addresses of one IPv6 /64 count against one per-client cap", async () => {
    server = await startTestServer({ maxStreamsPerClient: "2", trustProxy: "loopback" });
    for (const address of ["2001:db8:9:9::1", "2001:db8:9:9:abcd::2", "2001:DB8:9:9:0:0:0:3"]) {
      const st = new RawStream(`${server.url}/api/v1/events`, { "x-forwarded-for": address });
      streams.push(st);
      await st.opened;
    }
    const [a, b, third] = streams;
    await waitFor(() => third.ended, "the third stream of the /64 to be turned away");
    expect(third.comments.join(" ")).toContain("over capacity");
    expect(a.ended || b.ended).toBe(false);
    expect(server.app.hub.size).toBe(2);
  });
});
