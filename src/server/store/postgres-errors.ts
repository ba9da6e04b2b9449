/**
 * Which PostgreSQL failures mean "the database is unavailable" (answered 503
 * `store_unavailable`; its Retry-After comes with the code) rather than a bug (answered 500).
 *
 * Unavailable: the server cannot be reached, refused or dropped the connection
 * (restart, failover, `pg_terminate_backend`), is starting up or shutting
 * down, has no connection slot left, did not answer within the statement,
 * query or connect timeout (the pool is saturated or the server is stuck), is
 * read-only (a standby, mid-failover), or its disk is full.
 */
import { AppError } from "../errors.js";

/**
 * SQLSTATEs of class 08 (connection exception) and the operator-intervention / resource ones that mean "come back later";
 * also 25006, a write refused by a read-only server (a standby, or the old primary after a failover, until the
 * connection reaches the new one), and 53100, the database's disk full.
 */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "57P05", "53100", "53300", "53400", "57014", "55P03", "25006"]);
const NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);
const MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
  "connection timeout",
];

/** A SQLSTATE of a transaction that lost a race and can simply run again. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === "40001" || code === "40P01";
}

export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code.startsWith("08") || UNAVAILABLE_STATES.has(code) || NODE_CODES.has(code)) return true;
  }
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  return MESSAGES.some((m) => err.message.includes(m));
}

/**
 * The connection broke before the statement ran to completion (a pooled
 * connection left over from before a database restart, a terminated backend):
 * worth one immediate retry on a fresh connection. Timeouts are not: waiting
 * again would only double the wait.
 */
export function isStaleConnection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code === "57P01" || code === "57P02" || code === "08006" || code === "08003" || code === "ECONNRESET" || code === "EPIPE") return true;
  return /Connection terminated unexpectedly|Client has encountered a connection error|Client was closed/.test(err.message);
}

/** Connection-class errors become a 503 problem; anything else is rethrown untouched (a bug: 500). */
export function toStoreError(err: unknown): unknown {
  if (err instanceof AppError || !isUnavailable(err)) return err;
  const e = err as Error & { code?: string };
  const why =
    e.code === "57014" ? "did not answer in time"
    : e.code === "25006" ? "is read-only (a standby, or a failover in progress)"
    : e.code === "53100" ? "has no disk space left"
    : `is unreachable (${e.code ?? e.message})`;
  const wrapped = new AppError("store_unavailable", `the PostgreSQL database ${why}; retry shortly`);
  (wrapped as Error).cause = err;
  return wrapped;
}
