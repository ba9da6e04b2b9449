/**
 * The guarded fetcher (contract: types.ts): GETs URLs that registrants name
 * without letting them point the registry at itself, its network or the cloud
 * metadata endpoint.
 *
 * - The host name is resolved once, by the injected resolver; every address it
 *   gives is checked (address-policy.ts) and the socket is opened to the checked
 *   address through a pinned `lookup`, so a second, different DNS answer
 *   (rebinding) is never asked for. TLS still sends SNI and checks the
 *   certificate against the host name.
 * - A name any of whose addresses is refused is refused as a whole: which
 *   address a client picks is not the registrant's choice to make.
 * - Redirects (at most `maxRedirects`) are followed by hand, each target parsed,
 *   resolved and checked again; only http and https are followed.
 * - One deadline covers DNS, connect, headers and body; the failure names the
 *   phase it ran out in. The body is cut off past `maxBytes`.
 * - No credentials: URLs with userinfo are refused, `Authorization`, `Cookie` and
 *   `Proxy-Authorization` cannot be passed, no cookie jar exists, and the
 *   conditional headers are dropped when a redirect leaves the origin.
 */
import { promises as dns, type LookupAddress } from "node:dns";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { checkAddress } from "./address-policy.js";
import { parseCidrList, parseIp } from "./cidr.js";
import { classify, Deadline, Failure } from "./deadline.js";
import type { ConnectResult, FetchOptions, FetchPolicy, FetchResult, GuardedFetcher, ResolvedAddress, Resolver } from "./types.js";

/** The defaults the registry fetches with; `allow` and `deny` come from `--probe-allow` / `--probe-deny`. */
export const DEFAULT_FETCH_POLICY: FetchPolicy = { allow: [], deny: [], maxRedirects: 3, maxBytes: 64 * 1024, timeoutMs: 5000 };

/** The server's fetch policy: the defaults with `--probe-allow` and `--probe-deny`. */
export function fetchPolicyFor(config: { probeAllow: readonly string[]; probeDeny: readonly string[] }): FetchPolicy {
  return { ...DEFAULT_FETCH_POLICY, allow: [...config.probeAllow], deny: [...config.probeDeny] };
}

/** Headers a caller may not set: they carry credentials. */
const FORBIDDEN_HEADERS = new Set(["authorization", "cookie", "proxy-authorization", "host"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** `dns.lookup(name, { all: true })`: what the operating system's resolver says (hosts file included). */
export const systemResolver: Resolver = async (hostname) => {
  const answers: LookupAddress[] = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface GuardedFetcherOptions {
  policy: FetchPolicy;
  /** Default: systemResolver. */
  resolver?: Resolver;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** Certificate authorities trusted for https instead of Node's default roots (tests, private CAs). */
  ca?: string | Buffer;
}

/** Parses a URL the fetcher may GET: http(s), with a host, without userinfo. */
function checkedUrl(text: string, kind: "invalid_url" | "bad_redirect"): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Failure(kind, `${kind === "bad_redirect" ? "the redirect's Location" : "the URL"} is not a valid absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Failure(kind, `only http and https URLs are fetched, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw new Failure(kind, "URLs with credentials (user:password@) are not fetched");
  if (!url.hostname) throw new Failure(kind, "the URL has no host");
  return url;
}

export function createGuardedFetcher({ policy, resolver = systemResolver, userAgent = "agentmesh-registry", ca }: GuardedFetcherOptions): GuardedFetcher {
  const rules = { allow: parseCidrList(policy.allow), deny: parseCidrList(policy.deny) };

  /** Resolves a host once and checks every address; answers the one to connect to. */
  async function pinnedAddress(host: string, deadline: Deadline): Promise<ResolvedAddress> {
    const literal = parseIp(host);
    let answers: ResolvedAddress[];
    if (literal) {
      answers = [{ address: host.replace(/^\[(.*)\]$/, "$1"), family: literal.family }];
    } else {
      deadline.phase = "resolving the name";
      answers = await deadline.race(resolver(host, deadline.signal)).catch((err) => {
        throw deadline.signal.aborted ? deadline.failure() : classify(err, "resolving the name");
      });
      if (answers.length === 0) throw new Failure("dns", `the name ${host} has no addresses`);
    }
    for (const answer of answers) {
      const ip = parseIp(answer.address);
      if (!ip) throw new Failure("dns", `the resolver answered ${JSON.stringify(answer.address)}, which is not an IP address`);
      const decision = checkAddress(ip, answer.address, rules);
      if (!decision.ok) throw new Failure("denied_address", literal ? decision.reason : `${host} resolves to ${decision.reason}`);
    }
    return answers[0];
  }

  /** One request to the pinned address; resolves once the headers are in. */
  function request(url: URL, target: ResolvedAddress, headers: Record<string, string>, deadline: Deadline): Promise<IncomingMessage> {
    const lib = url.protocol === "https:" ? https : http;
    // Node asks the lookup for every address (`all`) when it may race families; either way it gets the checked one.
    const lookup = (_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
      opts?.all ? cb(null, [{ address: target.address, family: target.family }]) : cb(null, target.address, target.family);
    return new Promise((resolve, reject) => {
      deadline.phase = "connecting";
      const req = lib.request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port || (url.protocol === "https:" ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers,
        agent: false,
        lookup: lookup as never,
        signal: deadline.signal,
        ...(ca && url.protocol === "https:" ? { ca } : {}),
      });
      req.once("socket", (socket) => {
        const connected = () => (deadline.phase = "waiting for the response headers");
        if ((socket as net.Socket).connecting) socket.once(url.protocol === "https:" ? "secureConnect" : "connect", connected);
        else connected();
      });
      req.once("response", resolve);
      req.once("error", (err) => reject(deadline.signal.aborted ? deadline.failure() : classify(err, deadline.phase)));
      req.end();
    });
  }

  /** Reads the body up to `maxBytes`; past that the socket is destroyed. */
  function readBody(res: IncomingMessage, maxBytes: number, deadline: Deadline): Promise<Buffer> {
    deadline.phase = "reading the body";
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      return Promise.reject(new Failure("too_large", `the body is ${declared} bytes, over the limit of ${maxBytes}`));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          reject(new Failure("too_large", `the body is over the limit of ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.once("end", () => resolve(Buffer.concat(chunks)));
      res.once("error", (err) => reject(deadline.signal.aborted ? deadline.failure() : classify(err, "reading the body")));
      res.once("close", () => {
        if (!res.complete) reject(deadline.signal.aborted ? deadline.failure() : new Failure("network", "the connection closed before the body was complete"));
      });
    });
  }

  function headersFor(options: FetchOptions, sameOrigin: boolean): Record<string, string> {
    const headers: Record<string, string> = { "user-agent": userAgent, accept: options.accept ?? "*/*", "accept-encoding": "identity" };
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    if (sameOrigin && options.etag) headers["if-none-match"] = options.etag;
    if (sameOrigin && options.lastModified) headers["if-modified-since"] = options.lastModified;
    return headers;
  }

  async function get(urlText: string, options: FetchOptions = {}): Promise<FetchResult> {
    const forbidden = Object.keys(options.headers ?? {}).find((h) => FORBIDDEN_HEADERS.has(h.toLowerCase()));
    if (forbidden) throw new TypeError(`the guarded fetcher sends no credentials: header ${forbidden} is refused`);
    const started = performance.now();
    const maxBytes = Math.min(options.maxBytes ?? policy.maxBytes, policy.maxBytes);
    const deadline = new Deadline(Math.min(options.timeoutMs ?? policy.timeoutMs, policy.timeoutMs), options.signal);
    let current = urlText;
    const latency = () => Math.round(performance.now() - started);
    try {
      let url = checkedUrl(urlText, "invalid_url");
      const origin = url.origin;
      for (let redirects = 0; ; redirects++) {
        current = url.href;
        const target = await pinnedAddress(url.hostname, deadline);
        const res = await request(url, target, headersFor(options, url.origin === origin), deadline);
        const location = res.headers.location;
        if (REDIRECTS.has(res.statusCode ?? 0)) {
          res.destroy();
          if (!location) throw new Failure("bad_redirect", `a ${res.statusCode} redirect without a Location header`);
          if (redirects >= policy.maxRedirects) throw new Failure("too_many_redirects", `more than ${policy.maxRedirects} redirects`);
          let next: string;
          try {
            next = new URL(location, url).href;
          } catch {
            throw new Failure("bad_redirect", "the redirect's Location is not a valid URL");
          }
          url = checkedUrl(next, "bad_redirect");
          continue;
        }
        const body = await readBody(res, maxBytes, deadline);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
        return { ok: true, response: { url: url.href, status: res.statusCode ?? 0, headers, body, latencyMs: latency() } };
      }
    } catch (err) {
      const failure = err instanceof Failure ? err : deadline.signal.aborted ? deadline.failure() : classify(err, deadline.phase);
      return { ok: false, failure: { kind: failure.kind, message: failure.message, url: current, latencyMs: latency() } };
    } finally {
      deadline.close();
    }
  }

  async function connect(host: string, port: number, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ConnectResult> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    const deadline = new Deadline(Math.min(options.timeoutMs ?? policy.timeoutMs, policy.timeoutMs), options.signal);
    const where = `tcp://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
    try {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Failure("invalid_url", `${port} is not a TCP port (1–65535)`);
      if (!host || /[\s/@]/.test(host)) throw new Failure("invalid_url", "not a host name or IP address");
      const target = await pinnedAddress(host, deadline);
      deadline.phase = "connecting";
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host: target.address, port, family: target.family });
        const onAbort = () => socket.destroy(deadline.failure());
        deadline.signal.addEventListener("abort", onAbort, { once: true });
        socket.once("connect", () => {
          socket.destroy();
          resolve();
        });
        socket.once("error", (err) => reject(deadline.signal.aborted ? deadline.failure() : classify(err, "connecting")));
        socket.once("close", () => deadline.signal.removeEventListener("abort", onAbort));
      });
      return { ok: true, latencyMs: latency() };
    } catch (err) {
      const failure = classify(err, deadline.phase);
      return { ok: false, latencyMs: latency(), failure: { kind: failure.kind, message: failure.message, url: where, latencyMs: latency() } };
    } finally {
      deadline.close();
    }
  }

  return { get, connect };
}
