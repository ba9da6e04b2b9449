/**
 * The one way the server fetches a URL that somebody else named (A2A cards,
 * probes): the guarded fetcher (guarded-fetch.ts) implements this contract;
 * card registration and the probe runner use only it. Fixed here first so both
 * can be written at once.
 *
 * Every URL goes through the same checks: the name is resolved once (by an
 * injectable resolver) and the connection goes to the checked address (no DNS
 * rebinding); link-local addresses are always refused, loopback and private
 * ranges only when the policy allows them; each redirect is checked again (at
 * most `maxRedirects`); the body is capped at `maxBytes`; every phase has a
 * deadline; no credentials or cookies are sent.
 */

/** What the resolver answers for a host name: every address, as `dns.lookup(name, { all: true })` does. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name; tests inject one that maps names to chosen addresses. */
export type Resolver = (hostname: string, signal?: AbortSignal) => Promise<ResolvedAddress[]>;

export interface FetchPolicy {
  /** CIDRs that may be reached although private or loopback (`--probe-allow`). */
  allow: string[];
  /** CIDRs never reached, even if public (`--probe-deny`); deny wins over allow. */
  deny: string[];
  maxRedirects: number;
  maxBytes: number;
  timeoutMs: number;
}

export interface FetchOptions {
  /** Sent as `Accept`. */
  accept?: string;
  /** Extra request headers (never credentials: `Authorization` and `Cookie` are refused). */
  headers?: Record<string, string>;
  /** Conditional fetches: sent as If-None-Match / If-Modified-Since. */
  etag?: string;
  lastModified?: string;
  signal?: AbortSignal;
  /** Lower than the policy's caps only; a higher value is clamped. */
  maxBytes?: number;
  timeoutMs?: number;
}

/** Why a fetch or connect did not give an answer; `message` is safe to show the registrant. */
export type FetchFailureKind =
  | "invalid_url" // not an http(s) URL, or credentials in it
  | "dns" // the name does not resolve
  | "denied_address" // resolves to an address the policy refuses (link-local, private, --probe-deny)
  | "refused" // connection refused / reset
  | "timeout" // a phase passed its deadline
  | "too_many_redirects"
  | "bad_redirect" // redirect without a usable Location, or to a refused scheme
  | "too_large" // body over maxBytes
  | "network"; // any other socket or TLS error

export interface FetchFailure {
  kind: FetchFailureKind;
  message: string;
  /** The URL being fetched when it failed (after redirects). */
  url: string;
  latencyMs: number;
}

export interface FetchResponse {
  /** The final URL after redirects. */
  url: string;
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  latencyMs: number;
}

export type FetchResult = { ok: true; response: FetchResponse } | { ok: false; failure: FetchFailure };

export interface ConnectResult {
  ok: boolean;
  latencyMs: number;
  failure?: FetchFailure;
}

export interface GuardedFetcher {
  /** GET the URL under the policy. A non-2xx status is a response, not a failure. */
  get(url: string, options?: FetchOptions): Promise<FetchResult>;
  /** Open a TCP connection to host:port under the same address policy, then close it. */
  connect(host: string, port: number, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<ConnectResult>;
}
