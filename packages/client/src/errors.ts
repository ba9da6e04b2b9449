/**
 * The one error type the SDK throws. HTTP errors carry the API's problem code
 * (src/shared/problems.ts); failures before any answer (refused connection,
 * timeout, an answer that is not the API's) get a client-side code, so callers
 * branch on `code`, never on message text.
 */
import type { FieldError, Problem, ProblemCode } from "./problems.js";

/**
 * Failures that happen before the registry answers: `unreachable`, `timeout`,
 * `bad_response` (worth retrying), and the caller's own doing, which no retry
 * can fix: `invalid_argument` (a programmer error, thrown before any request)
 * and `aborted` (the caller's `AbortSignal` fired).
 */
export const CLIENT_ERROR_CODES = ["unreachable", "timeout", "bad_response", "invalid_argument", "aborted"] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

export type AgentMeshErrorCode = ProblemCode | ClientErrorCode;

export interface AgentMeshErrorInit {
  status: number;
  code: AgentMeshErrorCode;
  detail: string;
  errors?: FieldError[];
  retryAfterMs?: number;
  problem?: Problem;
  cause?: unknown;
}

/**
 * An error answered by the registry (`status` > 0, `code` from the problem
 * catalogue) or met on the way to it (`status` 0, `code` `unreachable`,
 * `timeout` or `bad_response`).
 *
 * @example
 * ```ts
 * try {
 *   await client.get("billing-agent");
 * } catch (err) {
 *   if (err instanceof AgentMeshError && err.code === "agent_not_found") return null;
 *   throw err;
 * }
 * ```
 */
export class AgentMeshError extends Error {
  /** HTTP status, or 0 when the registry did not answer. */
  readonly status: number;
  /** Machine code: a problem code of the API, or one of {@link CLIENT_ERROR_CODES}. */
  readonly code: AgentMeshErrorCode;
  /** What was wrong, in words (the problem's `detail`). */
  readonly detail: string;
  /** Per-field validation errors, when the API sent them. */
  readonly errors?: FieldError[];
  /** From `Retry-After` on 429/503 answers. */
  readonly retryAfterMs?: number;
  /** The problem document as answered, if any. */
  readonly problem?: Problem;

  constructor(init: AgentMeshErrorInit) {
    super(`${init.code}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    // Generic abort handling (`err.name === "AbortError"`) then treats an aborted call like an aborted fetch.
    this.name = init.code === "aborted" ? "AbortError" : "AgentMeshError";
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    if (init.errors) this.errors = init.errors;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.problem) this.problem = init.problem;
  }

  /**
   * True when trying again later may succeed: no answer, a timeout, 429, or a
   * 5xx. Never for `invalid_argument` or `aborted`.
   */
  get retryable(): boolean {
    if (this.code === "invalid_argument" || this.code === "aborted") return false;
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Best catalogue code for an answer that carried no problem document (e.g. a proxy's error page). */
export function codeForStatus(status: number): AgentMeshErrorCode {
  switch (status) {
    case 400:
      return "validation_failed";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    case 500:
      return "internal";
    case 503:
      return "store_unavailable";
    default:
      return "bad_response";
  }
}

/** `Retry-After` in seconds or as an HTTP date → milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A programmer error: thrown before any request is made. */
export function invalidArgument(detail: string): AgentMeshError {
  return new AgentMeshError({ status: 0, code: "invalid_argument", detail });
}

/** The caller's signal fired; its `reason` is kept as `cause`. */
export function abortedError(signal: AbortSignal, what = "the call"): AgentMeshError {
  return new AgentMeshError({ status: 0, code: "aborted", detail: `${what} was aborted`, cause: signal.reason });
}

/** Duck-typed, so a signal from another realm (a test DOM, a polyfill) passes. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  const s = value as AbortSignal | null;
  return typeof s === "object" && s !== null && typeof s.aborted === "boolean" && typeof s.addEventListener === "function";
}

/** Throws `invalid_argument` unless `signal` is absent or an AbortSignal. */
export function checkSignal(signal: unknown): void {
  if (signal !== undefined && !isAbortSignal(signal)) throw invalidArgument("signal must be an AbortSignal");
}

/** Rejects at once when `signal` has already fired, so an aborted call sends nothing. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw abortedError(signal, what);
}

/** An error from `fetch` itself (no HTTP answer) → AgentMeshError. */
export function networkError(err: unknown, url: string, timeoutMs: number): AgentMeshError {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") {
    return new AgentMeshError({ status: 0, code: "timeout", detail: `no answer from ${url} within ${timeoutMs} ms`, cause: err });
  }
  const why = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new AgentMeshError({ status: 0, code: "unreachable", detail: `cannot reach ${url} (${why})`, cause: err });
}
