/**
 * Whether the store is in an outage, told once: one warning when calls start
 * failing because the database is away (or the disk is full), one line when
 * it works again, whatever the number of requests answered 503 meanwhile.
 *
 * A success ends the outage only once no failure has followed it for
 * `settleMs`: a database coming back hands out its stale pooled connections
 * one by one, and each may fail once more; those belong to the same outage.
 */
import type { Logger } from "pino";

export interface OutageOptions {
  /** "sqlite" or "postgres", in the log lines. */
  store: string;
  logger?: Pick<Logger, "warn" | "info">;
  /** How long successes must go unbroken before the outage is told over (default 1000). */
  settleMs?: number;
  now?: () => number;
}

export const OUTAGE_START = "store unavailable";
export const OUTAGE_END = "store available again";

/** A short reason for the log: the error's code and first line, never a stack. */
export function reasonOf(err: unknown): string {
  const e = ((err as { cause?: unknown })?.cause ?? err) as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  // A refused connection can be an AggregateError with an empty message (one error per address tried).
  const message = (typeof e?.message === "string" ? e.message : String(e)).split("\n")[0].trim().slice(0, 200);
  if (!message) return code ?? "unknown error";
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export class Outage {
  private failing = false;
  private announcedAt: number | null = null;
  private settle: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: OutageOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The last call that could tell failed. */
  get down(): boolean {
    return this.failing;
  }

  failed(err: unknown): void {
    this.failing = true;
    if (this.settle) clearTimeout(this.settle);
    this.settle = null;
    if (this.announcedAt !== null) return;
    this.announcedAt = this.now();
    const reason = reasonOf(err);
    this.opts.logger?.warn(
      { store: this.opts.store, reason },
      `${OUTAGE_START} (${reason}): writes and the reads that need the store answer 503 store_unavailable, /readyz answers 503, until it is back`,
    );
  }

  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    if (this.announcedAt === null || this.settle) return;
    this.settle = setTimeout(() => {
      this.settle = null;
      const since = this.announcedAt ?? this.now();
      this.announcedAt = null;
      const downMs = this.now() - since;
      this.opts.logger?.info({ store: this.opts.store, down_ms: downMs }, `${OUTAGE_END} after ${(downMs / 1000).toFixed(1)}s`);
    }, this.opts.settleMs ?? 1000);
    this.settle.unref();
  }

  close(): void {
    if (this.settle) clearTimeout(this.settle);
    this.settle = null;
  }
}
