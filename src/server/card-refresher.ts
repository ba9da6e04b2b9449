/**
 * Re-fetches the A2A cards of agents registered by URL, on a timer, like the
 * sweeper: each run takes the agents whose refresh is due, claims each one
 * (a conditional update of its next-refresh time, so with several instances
 * only one fetches it), fetches the card conditionally (If-None-Match /
 * If-Modified-Since), and stores what it found through the registry service:
 *
 * - a changed card: `agent_updated` with `changed` (decideCardUpdate), or a
 *   silent write when only the published JSON changed;
 * - 304 Not Modified: only the next refresh time moves;
 * - a card that is now unreachable or invalid: the last good card stays, the
 *   error is recorded (`card_error`, shown by `GET /agents/{id}/health`). The
 *   agent's health itself is moved by its `a2a` probe, through the probe path
 *   with its flap damping, not by the refresher.
 *
 * The next refresh is the card's Cache-Control max-age, else `--card-refresh`,
 * held within 1 minute and 24 hours. Runs never overlap; `stop()` waits for
 * the one in progress.
 */
import { fetchA2ACard } from "./a2a/fetch-card.js";
import { usableFetched } from "./a2a/registration.js";
import { AppError } from "./errors.js";
import type { GuardedFetcher } from "./fetch/types.js";
import { heldCard } from "./registry/card.js";
import type { RefreshOutcome } from "./registry/decide-card.js";
import type { Clock, Registry } from "./registry/service.js";
import type { AgentRow, Store } from "./store/store.js";

export interface CardRefresherDeps {
  registry: Pick<Registry, "claimCardRefresh" | "finishCardRefresh">;
  store: Pick<Store, "cardRefreshesDue">;
  fetcher: GuardedFetcher;
  clock: Clock;
  onError: (err: unknown) => void;
  /** How often to look for due refreshes (default 5 s). */
  tickMs?: number;
}

/** Due cards looked at per run, and fetched at once. */
const BATCH = 100;
const IN_FLIGHT = 8;

/** What fetching a claimed agent's card found. */
export async function refreshOutcome(fetcher: GuardedFetcher, row: AgentRow): Promise<RefreshOutcome> {
  const url = row.card_url!;
  const result = await fetchA2ACard(fetcher, url, { etag: row.card_etag, lastModified: row.card_last_modified });
  if (!result.ok) return { kind: "failed", problem: result.problem };
  if (result.notModified) return { kind: "not_modified", etag: result.etag, lastModified: result.lastModified, maxAgeMs: result.maxAgeMs };
  try {
    // Mapped exactly as at registration, with the agent's id; card_url stays the URL registered.
    const usable = usableFetched(result, row.id);
    const next: AgentRow = { ...row, ...heldCard(usable.card), a2a_card: usable.raw, card_etag: result.etag, card_last_modified: result.lastModified };
    return { kind: "fetched", next, maxAgeMs: result.maxAgeMs };
  } catch (err) {
    if (err instanceof AppError && err.reason) return { kind: "failed", problem: { kind: err.reason, message: err.detail } };
    throw err;
  }
}

export class CardRefresher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly deps: CardRefresherDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running) void this.runOnce();
    }, this.deps.tickMs ?? 5000);
    this.timer.unref();
  }

  /**
   * One run: claims, fetches and stores every due refresh; answers how many it
   * stored. A call while a run is in progress waits for it, then runs again, so
   * when it returns every refresh due at the call has been done.
   */
  async runOnce(): Promise<number> {
    while (this.running) await this.running;
    const run = this.pass();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  private async pass(): Promise<number> {
    const { registry, store, fetcher, clock, onError } = this.deps;
    let stored = 0;
    try {
      const queue = await store.cardRefreshesDue(clock.now(), BATCH);
      const worker = async () => {
        for (let row = queue.shift(); row; row = queue.shift()) {
          try {
            const claimed = await registry.claimCardRefresh(row.id);
            if (!claimed) continue;
            const outcome = await refreshOutcome(fetcher, claimed);
            if (await registry.finishCardRefresh(claimed.id, claimed.card_refresh_at!, outcome)) stored++;
          } catch (err) {
            onError(err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, queue.length) }, worker));
    } catch (err) {
      onError(err);
    }
    return stored;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
