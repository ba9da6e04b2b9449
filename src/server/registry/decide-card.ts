/**
 * Decisions about an agent's published A2A card, pure like decide.ts: the
 * agent as read, what happened to its card, `now` and the settings in; the
 * change to commit out, or null.
 *
 * - A change to what the snapshot shows (the mapped card, `card_url`) is an
 *   announced card update (`decideCardUpdate`: `agent_updated` with `changed`).
 * - A change only to what the registry keeps about the card (the published
 *   JSON, its ETag, the next refresh, the last error) is a silent write: no
 *   revision, no event. It is still guarded by the state read, the refresh
 *   schedule included, so with several instances each refresh is claimed, and
 *   its outcome stored, once.
 */
import type { CardProblem } from "../a2a/fetch-card.js";
import type { Config } from "../config.js";
import type { AgentRow } from "../store/store.js";
import { decideCardUpdate, guardOf, type Change } from "./decide.js";

/** What an agent registered from an A2A card holds about it (REGISTRY_FIELDS, store/columns.ts). */
export type PublishedCardFields = Pick<AgentRow, "card_url" | "a2a_card" | "card_etag" | "card_last_modified" | "card_refresh_at" | "card_error">;

/** Bounds on how long a fetched card is kept before it is fetched again, whatever its Cache-Control says. */
export const CARD_REFRESH_BOUNDS = { minMs: 60_000, maxMs: 24 * 3_600_000 } as const;
/** How long a claimed refresh is held: longer than a fetch may take (its deadline is 5 s), shorter than the least refresh delay. */
export const CARD_REFRESH_LEASE_MS = 30_000;

export type CardRefreshConfig = Pick<Config, "cardRefreshMs">;

/** Time until the next fetch: the card's max-age (or `--card-refresh` when it says nothing), within CARD_REFRESH_BOUNDS. */
export function refreshDelayMs(maxAgeMs: number | null, config: CardRefreshConfig): number {
  const wanted = maxAgeMs ?? config.cardRefreshMs;
  return Math.min(CARD_REFRESH_BOUNDS.maxMs, Math.max(CARD_REFRESH_BOUNDS.minMs, wanted));
}

const PUBLISHED_KEYS: (keyof PublishedCardFields)[] = ["card_url", "a2a_card", "card_etag", "card_last_modified", "card_refresh_at", "card_error"];

function silentUpdate(row: AgentRow, next: AgentRow): Change {
  return { next, commit: { mutation: { op: "update", row: next, expect: guardOf(row) }, events: [] } };
}

/**
 * The agent with a new card and its published state (a re-registration, a
 * refreshed card): announced when the snapshot changes, silent when only the
 * published state does, null when nothing does.
 */
export function decidePublishedCard(row: AgentRow, next: AgentRow, now: number): Change | null {
  const announced = decideCardUpdate(row, next, now);
  if (announced) return announced;
  const moved = PUBLISHED_KEYS.some((k) => JSON.stringify(row[k]) !== JSON.stringify(next[k]));
  return moved ? silentUpdate(row, next) : null;
}

/** Claims a due refresh: moves its time a lease ahead, conditional on the time read. Null when it is not due. */
export function decideRefreshClaim(row: AgentRow, now: number): Change | null {
  if (row.card_url === null || row.card_refresh_at === null || row.card_refresh_at > now) return null;
  return silentUpdate(row, { ...row, card_refresh_at: now + CARD_REFRESH_LEASE_MS });
}

/** What a refresh found. `changed` carries the agent as the new card makes it (mapped fields and published state but the schedule). */
export type RefreshOutcome =
  | { kind: "fetched"; next: AgentRow; maxAgeMs: number | null }
  | { kind: "not_modified"; etag: string | null; lastModified: string | null; maxAgeMs: number | null }
  | { kind: "failed"; problem: Pick<CardProblem, "kind" | "message"> };

/**
 * Stores a refresh's outcome, if this refresher still holds its claim (the
 * schedule is the time it claimed): a fetched card as a re-registration would
 * store it; a 304 as new validators and a new time only; a failure as the
 * error, keeping the last good card. Null when the claim was lost.
 */
export function decideCardRefresh(row: AgentRow, claimedUntil: number, outcome: RefreshOutcome, now: number, config: CardRefreshConfig): Change | null {
  if (row.card_url === null || row.card_refresh_at !== claimedUntil) return null;
  switch (outcome.kind) {
    case "fetched":
      return decidePublishedCard(row, { ...outcome.next, card_refresh_at: now + refreshDelayMs(outcome.maxAgeMs, config), card_error: null }, now);
    case "not_modified":
      return silentUpdate(row, {
        ...row,
        card_etag: outcome.etag ?? row.card_etag,
        card_last_modified: outcome.lastModified ?? row.card_last_modified,
        card_refresh_at: now + refreshDelayMs(outcome.maxAgeMs, config),
        card_error: null,
      });
    case "failed":
      return silentUpdate(row, {
        ...row,
        card_refresh_at: now + refreshDelayMs(null, config),
        card_error: { kind: outcome.problem.kind, message: outcome.problem.message, at: now },
      });
  }
}
