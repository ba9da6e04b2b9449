/**
 * One JSON request to the API: the base URL, the bearer token, a timeout, and
 * every failure turned into an AgentMeshError.
 */
import { PROBLEM_CONTENT_TYPE, type Problem } from "./problems.js";
import { AgentMeshError, abortedError, checkSignal, codeForStatus, invalidArgument, networkError, parseRetryAfter, throwIfAborted } from "./errors.js";

export type FetchFn = typeof globalThis.fetch;

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

/** The options object every SDK call takes as its last argument. */
export interface CallOptions {
  /**
   * Cancels the call: it rejects at once with an `AgentMeshError` of code
   * `aborted` (name `AbortError`, not retryable). Combined with the client's
   * per-request timeout, which still rejects with `timeout`.
   */
  signal?: AbortSignal;
}

export interface RequestOptions extends CallOptions {
  body?: unknown;
  token?: string;
  query?: Record<string, QueryValue>;
}

/** `http://host:8000`, `http://host:8000/`, `http://host:8000/api/v1` → `http://host:8000`. */
export function normalizeBaseUrl(url: string): string {
  if (typeof url !== "string") throw invalidArgument(`url must be a string such as http://127.0.0.1:8000, got ${typeof url}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(`${JSON.stringify(url)} is not a URL (expected e.g. http://127.0.0.1:8000)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidArgument(`${JSON.stringify(url)} is not an http(s) URL`);
  }
  // fetch refuses such a URL on every call, which would read as `unreachable`; and a secret does not belong in a URL.
  if (parsed.username || parsed.password) throw invalidArgument(`the url carries credentials: pass a token as \`token\` instead`);
  if (parsed.search || parsed.hash) throw invalidArgument(`${JSON.stringify(url)} has a query or fragment; give the registry's base URL`);
  return parsed.href.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
}

export function apiUrl(base: string, path: string, query?: Record<string, QueryValue>): string {
  const url = new URL(`${base}/api/v1${path}`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
    else url.searchParams.set(key, String(value));
  }
  return url.href;
}

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Reads an error answer into an AgentMeshError, using the problem document when there is one. */
export async function errorFromResponse(res: Response): Promise<AgentMeshError> {
  const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
  const type = res.headers.get("content-type") ?? "";
  let text = "";
  try {
    text = await res.text();
  } catch {
    /* the body is lost; the status still says enough */
  }
  if (type.startsWith(PROBLEM_CONTENT_TYPE) || type.startsWith("application/json")) {
    try {
      const p = JSON.parse(text) as Partial<Problem>;
      if (typeof p.code === "string" && typeof p.detail === "string") {
        return new AgentMeshError({ status: res.status, code: p.code, detail: p.detail, errors: p.errors, retryAfterMs, problem: p as Problem });
      }
    } catch {
      /* fall through to the status */
    }
  }
  const detail = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""} from ${res.url || "the server"}`;
  return new AgentMeshError({ status: res.status, code: codeForStatus(res.status), detail, retryAfterMs });
}

export interface Transport {
  readonly baseUrl: string;
  readonly fetch: FetchFn;
  readonly timeoutMs: number;
}

/** Sends one request and returns the parsed JSON body (undefined for 204). */
export async function request<T>(t: Transport, method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = apiUrl(t.baseUrl, path, options.query);
  checkSignal(options.signal);
  throwIfAborted(options.signal);
  const timeout = AbortSignal.timeout(t.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await send<T>(t, method, url, options, signal);
  } catch (err) {
    // Whatever was under way (connecting, reading the body), the caller's abort wins.
    if (options.signal?.aborted) throw err instanceof AgentMeshError && err.code === "aborted" ? err : abortedError(options.signal);
    throw err;
  }
}

async function send<T>(t: Transport, method: string, url: string, options: RequestOptions, signal: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await t.fetch(url, {
      method,
      headers: {
        accept: "application/json",
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        ...authHeaders(options.token),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      // In a browser, the session cookie of a same-origin registry (as fetch does by default; said here so a wrapper keeps it).
      credentials: "same-origin",
      signal,
    });
  } catch (err) {
    throw networkError(err, t.baseUrl, t.timeoutMs);
  }
  if (!res.ok) throw await errorFromResponse(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text().catch((err) => {
    throw networkError(err, t.baseUrl, t.timeoutMs);
  });
  if (text === "") return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new AgentMeshError({ status: res.status, code: "bad_response", detail: `the answer from ${url} is not JSON (is this an AgentMesh registry?)` });
  }
}
