/**
 * The guarded fetcher against real HTTP servers on 127.0.0.1, with an injected
 * resolver that maps test names to chosen addresses.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedFetcher, DEFAULT_FETCH_POLICY } from "./guarded-fetch.js";
import type { FetchPolicy, ResolvedAddress, Resolver } from "./types.js";

const servers: Server[] = [];
async function serve(handler: RequestListener, host = "127.0.0.1"): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as { port: number }).port;
}
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Names in the table resolve to their addresses; anything else does not exist. */
function resolverOf(table: Record<string, string[]>, asked: string[] = []): Resolver {
  return async (name) => {
    asked.push(name);
    const addresses = table[name];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    return addresses.map((address): ResolvedAddress => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

const LOOPBACK: Partial<FetchPolicy> = { allow: ["127.0.0.0/8"] };
const fetcher = (policy: Partial<FetchPolicy> = LOOPBACK, table: Record<string, string[]> = {}, asked?: string[]) =>
  createGuardedFetcher({ policy: { ...DEFAULT_FETCH_POLICY, ...policy }, resolver: resolverOf({ "agent.test": ["127.0.0.1"], ...table }, asked) });

let port: number;
const seen: { url: string; headers: Record<string, string | string[] | undefined> }[] = [];
beforeAll(async () => {
  port = await serve((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    const u = new URL(req.url!, "http://x");
    if (u.pathname === "/ok") return res.writeHead(200, { "content-type": "application/json", etag: '"v1"' }).end('{"ok":true}');
    if (u.pathname === "/conditional") return res.writeHead(req.headers["if-none-match"] === '"v1"' ? 304 : 200).end();
    if (u.pathname === "/to") return res.writeHead(302, { location: u.searchParams.get("where")! }).end();
    if (u.pathname === "/loop") return res.writeHead(301, { location: `/loop?n=${Number(u.searchParams.get("n") ?? 0) + 1}` }).end();
    if (u.pathname === "/huge") {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(16 * 1024, "a");
      let sent = 0;
      const pump = () => {
        while (sent < 4096 && res.write(chunk)) sent++;
        if (sent < 4096) res.once("drain", pump);
        else res.end();
      };
      return pump();
    }
    if (u.pathname === "/huge-declared") return res.writeHead(200, { "content-length": String(10 * 1024 * 1024) }).end();
    if (u.pathname === "/slow-headers") return; // never answers
    if (u.pathname === "/slow-body") return res.writeHead(200).write("{"); // headers, then nothing
    res.writeHead(404).end("not here");
  });
});

describe("fetching", () => {
  it("GETs through the resolved, checked address and gives status, headers and body", async () => {
    const asked: string[] = [];
    const r = await fetcher(LOOPBACK, {}, asked).get(`http://agent.test:${port}/ok`, { accept: "application/json", headers: { "x-probe": "1" } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.response).toMatchObject({ status: 200, url: `http://agent.test:${port}/ok`, headers: { etag: '"v1"', "content-type": "application/json" } });
    expect(JSON.parse(r.response.body.toString())).toEqual({ ok: true });
    expect(asked).toEqual(["agent.test"]);
    const sent = seen.at(-1)!.headers;
    expect(sent).toMatchObject({ host: `agent.test:${port}`, accept: "application/json", "x-probe": "1" });
    expect(sent.authorization).toBeUndefined();
    expect(sent.cookie).toBeUndefined();
  });

  it("answers a non-2xx status as a response, and sends the conditional headers", async () => {
    const f = fetcher();
    const missing = await f.get(`http://127.0.0.1:${port}/nothing`);
    expect(missing.ok && missing.response.status).toBe(404);
    const cached = await f.get(`http://127.0.0.1:${port}/conditional`, { etag: '"v1"', lastModified: "Wed, 02 Dec 2026 08:00:00 GMT" });
    expect(cached.ok && cached.response.status).toBe(304);
    expect(seen.at(-1)!.headers["if-modified-since"]).toBe("Wed, 02 Dec 2026 08:00:00 GMT");
  });

  it("refuses URLs with credentials or other schemes, and credential headers", async () => {
    const f = fetcher();
    for (const url of [`http://user:pw@127.0.0.1:${port}/ok`, "ftp://agent.test/x", "file:///etc/passwd", "not a url"]) {
      const r = await f.get(url);
      expect(r.ok, url).toBe(false);
      if (!r.ok) expect(r.failure.kind, url).toBe("invalid_url");
    }
    await expect(f.get(`http://127.0.0.1:${port}/ok`, { headers: { Authorization: "Bearer x" } })).rejects.toThrow(/Authorization is refused/);
    await expect(f.get(`http://127.0.0.1:${port}/ok`, { headers: { cookie: "a=b" } })).rejects.toThrow(/cookie is refused/);
  });
});

describe("the address policy at every hop", () => {
  it("refuses a link-local address, even when everything is allowed", async () => {
    const f = fetcher({ allow: ["0.0.0.0/0", "::/0"] }, { "metadata.test": ["169.254.169.254"] });
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/", "http://metadata.test/"]) {
      const r = await f.get(url);
      expect(r.ok, url).toBe(false);
      if (!r.ok) expect(r.failure, url).toMatchObject({ kind: "denied_address", message: expect.stringContaining("link-local") });
    }
    const tcp = await f.connect("169.254.169.254", 80);
    expect(tcp).toMatchObject({ ok: false, failure: { kind: "denied_address" } });
  });

  it("refuses loopback unless allowed, however the address is written", async () => {
    const f = fetcher({ allow: [] }, { localhost: ["127.0.0.1", "::1"] });
    for (const host of ["127.0.0.1", "0x7f000001", "2130706433", "127.1", "[::1]", "[::ffff:127.0.0.1]", "localhost"]) {
      const r = await f.get(`http://${host}:${port}/ok`);
      expect(r.ok, host).toBe(false);
      if (!r.ok) expect(r.failure, host).toMatchObject({ kind: "denied_address", message: expect.stringContaining("loopback") });
    }
  });

  it("refuses a name that resolves to a denied address (any of its addresses)", async () => {
    const f = fetcher({ allow: ["127.0.0.0/8"], deny: ["127.0.0.2/32"] }, { "rebind.test": ["127.0.0.1", "127.0.0.2"] });
    const r = await f.get(`http://rebind.test:${port}/ok`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure).toMatchObject({ kind: "denied_address", message: expect.stringContaining("rebind.test resolves to 127.0.0.2") });
  });

  it("refuses a redirect to loopback when loopback is denied", async () => {
    // The first hop is an allowed "public" name (served on 127.0.0.2); its redirect points at 127.0.0.1, which is denied.
    const hops: string[] = [];
    const first = await serve((req, res) => (hops.push(req.url!), res.writeHead(302, { location: `http://127.0.0.1:${port}/ok` }).end()), "127.0.0.2");
    const f = fetcher({ allow: ["127.0.0.2/32"], deny: ["127.0.0.1/32"] }, { "public.test": ["127.0.0.2"] });
    const before = seen.length;
    const r = await f.get(`http://public.test:${first}/start`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure).toMatchObject({ kind: "denied_address", url: `http://127.0.0.1:${port}/ok` });
    expect(hops).toEqual(["/start"]);
    expect(seen.length).toBe(before); // the denied target was never contacted
  });

  it("follows up to maxRedirects, each re-resolved, and no more", async () => {
    const asked: string[] = [];
    const f = fetcher(LOOPBACK, { "other.test": ["127.0.0.1"] }, asked);
    const ok = await f.get(`http://agent.test:${port}/to?where=${encodeURIComponent(`http://other.test:${port}/ok`)}`, { etag: '"v1"' });
    expect(ok.ok && ok.response.url).toBe(`http://other.test:${port}/ok`);
    expect(asked).toEqual(["agent.test", "other.test"]);
    expect(seen.at(-1)!.headers["if-none-match"]).toBeUndefined(); // not carried to another origin
    const three = await f.get(`http://127.0.0.1:${port}/loop?n=0`, { maxBytes: 10 });
    expect(three.ok).toBe(false);
    if (!three.ok) expect(three.failure).toMatchObject({ kind: "too_many_redirects", url: `http://127.0.0.1:${port}/loop?n=3` });
    const two = await fetcher({ ...LOOPBACK, maxRedirects: 5 }).get(`http://127.0.0.1:${port}/loop?n=0`);
    expect(two.ok).toBe(false);
    if (!two.ok) expect(two.failure.url).toBe(`http://127.0.0.1:${port}/loop?n=5`);
  });

  it("refuses a redirect to another scheme or with credentials", async () => {
    for (const where of ["file:///etc/passwd", `http://u:p@127.0.0.1:${port}/ok`]) {
      const r = await fetcher().get(`http://127.0.0.1:${port}/to?where=${encodeURIComponent(where)}`);
      expect(r.ok, where).toBe(false);
      if (!r.ok) expect(r.failure.kind, where).toBe("bad_redirect");
    }
  });
});

describe("limits and failures", () => {
  it("cuts off a huge body, declared or streamed", async () => {
    const f = fetcher({ ...LOOPBACK, maxBytes: 64 * 1024 });
    for (const path of ["/huge", "/huge-declared"]) {
      const r = await f.get(`http://127.0.0.1:${port}${path}`);
      expect(r.ok, path).toBe(false);
      if (!r.ok) expect(r.failure.kind, path).toBe("too_large");
    }
    const smaller = await f.get(`http://127.0.0.1:${port}/ok`, { maxBytes: 5 });
    expect(smaller.ok ? "ok" : smaller.failure.kind).toBe("too_large");
  });

  it("times out a server that does not answer, naming the phase", async () => {
    const f = fetcher({ ...LOOPBACK, timeoutMs: 300 });
    const headers = await f.get(`http://127.0.0.1:${port}/slow-headers`);
    expect(headers.ok ? "ok" : headers.failure).toMatchObject({ kind: "timeout", message: expect.stringContaining("waiting for the response headers") });
    const body = await f.get(`http://127.0.0.1:${port}/slow-body`, { timeoutMs: 10_000 });
    expect(body.ok ? "ok" : body.failure).toMatchObject({ kind: "timeout", message: expect.stringContaining("reading the body") });
    const never: Resolver = (_name, signal) => new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted"))));
    const dns = await createGuardedFetcher({ policy: { ...DEFAULT_FETCH_POLICY, timeoutMs: 100 }, resolver: never }).get("http://slow-dns.test/");
    expect(dns.ok ? "ok" : dns.failure).toMatchObject({ kind: "timeout", message: expect.stringContaining("resolving the name") });
  });

  it("reports a refused port, for GET and for connect", async () => {
    const closed = await serve(() => {});
    servers.at(-1)!.close();
    await new Promise((r) => setTimeout(r, 50));
    const f = fetcher();
    const r = await f.get(`http://127.0.0.1:${closed}/`);
    expect(r.ok ? "ok" : r.failure.kind).toBe("refused");
    expect(await f.connect("127.0.0.1", closed)).toMatchObject({ ok: false, failure: { kind: "refused", url: `tcp://127.0.0.1:${closed}` } });
    expect(await f.connect("agent.test", port)).toMatchObject({ ok: true });
    expect(await f.connect("agent.test", 0)).toMatchObject({ ok: false, failure: { kind: "invalid_url" } });
  });

  it("reports a name that does not resolve as dns", async () => {
    const f = fetcher();
    const r = await f.get("http://nowhere.test/card");
    expect(r.ok ? "ok" : r.failure).toMatchObject({ kind: "dns", url: "http://nowhere.test/card", message: expect.stringContaining("ENOTFOUND") });
    expect(await f.connect("nowhere.test", 80)).toMatchObject({ ok: false, failure: { kind: "dns" } });
    const empty = await createGuardedFetcher({ policy: DEFAULT_FETCH_POLICY, resolver: async () => [] }).get("http://empty.test/");
    expect(empty.ok ? "ok" : empty.failure.kind).toBe("dns");
  });

  it("stops when the caller's signal aborts", async () => {
    const controller = new AbortController();
    const pending = fetcher().get(`http://127.0.0.1:${port}/slow-headers`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const r = await pending;
    expect(r.ok ? "ok" : r.failure).toMatchObject({ kind: "network", message: "the fetch was cancelled" });
  });
});

describe("https", () => {
  // A throwaway self-signed certificate for agent.test, made for this run.
  let dir: string;
  let cert: string;
  let tlsPort: number;
  const names: (string | undefined)[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "agentmesh-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=agent.test", "-addext", "subjectAltName=DNS:agent.test", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    const server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert }, (_req, res) => res.writeHead(200).end("secure"));
    server.on("secureConnection", (socket) => names.push((socket as unknown as { servername?: string }).servername));
    servers.push(server as unknown as Server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    tlsPort = (server.address() as { port: number }).port;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tlsFetcher = (ca?: string) =>
    createGuardedFetcher({ policy: { ...DEFAULT_FETCH_POLICY, ...LOOPBACK }, resolver: resolverOf({ "agent.test": ["127.0.0.1"], "other.test": ["127.0.0.1"] }), ca });

  it("sends the host name as SNI and checks the certificate against it, not against the address", async () => {
    const ok = await tlsFetcher(cert).get(`https://agent.test:${tlsPort}/`);
    expect(ok.ok && ok.response.body.toString()).toBe("secure");
    expect(names.at(-1)).toBe("agent.test");
    const wrongName = await tlsFetcher(cert).get(`https://other.test:${tlsPort}/`);
    expect(wrongName.ok ? "ok" : wrongName.failure).toMatchObject({ kind: "network", message: expect.stringContaining("ERR_TLS_CERT_ALTNAME_INVALID") });
    const untrusted = await tlsFetcher().get(`https://agent.test:${tlsPort}/`);
    expect(untrusted.ok ? "ok" : untrusted.failure).toMatchObject({ kind: "network", message: expect.stringMatching(/self[- ]signed/i) });
  });
});
