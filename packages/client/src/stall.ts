/**
 * The stall timeout of a subscription, decided against the server's keep-alive
 * (`GET /api/v1/stats` → `stream.keepalive_ms`). A quiet stream carries only a
 * keep-alive comment every `keepalive` ms, so a stall timeout at or below that
 * reconnects every few seconds for nothing: such a value is refused.
 */

/** Used when the server does not say its keep-alive (an older server). */
export const DEFAULT_STALL_TIMEOUT_MS = 45_000;
/** The default is at least this many keep-alive intervals: one lost keep-alive is not a stall. */
export const DEFAULT_KEEPALIVES = 3;
/** A given timeout must exceed the keep-alive by this factor (room for timer and network delay). */
export const MIN_KEEPALIVE_FACTOR = 1.2;

export type StallDecision = { ok: true; ms: number } | { ok: false; detail: string };

export function decideStallTimeout(given: number | undefined, keepaliveMs: number | undefined): StallDecision {
  const known = typeof keepaliveMs === "number" && Number.isFinite(keepaliveMs) && keepaliveMs > 0;
  if (given === undefined) {
    return { ok: true, ms: known ? Math.max(DEFAULT_STALL_TIMEOUT_MS, DEFAULT_KEEPALIVES * keepaliveMs) : DEFAULT_STALL_TIMEOUT_MS };
  }
  if (!known) return { ok: true, ms: given };
  const minimum = Math.ceil(keepaliveMs * MIN_KEEPALIVE_FACTOR);
  if (given >= minimum) return { ok: true, ms: given };
  return {
    ok: false,
    detail:
      `stallTimeoutMs ${given} is too short for this server's keep-alive of ${keepaliveMs} ms: a quiet stream would reconnect every ${given} ms. ` +
      `Use at least ${minimum}, or leave it unset (default: ${DEFAULT_KEEPALIVES}× the keep-alive, at least ${DEFAULT_STALL_TIMEOUT_MS})`,
  };
}
