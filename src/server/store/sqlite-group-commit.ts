/**
 * Group commit for the SQLite store: the commits that arrive in one turn of
 * the event loop run in one `BEGIN IMMEDIATE … COMMIT` (at most MAX_BATCH per
 * transaction), each inside its own SAVEPOINT, so a conflict or an error
 * undoes only that change. Every caller's promise settles after the real
 * COMMIT, in the order the commits were made (= event id order, so the
 * registry offers events to the tailer in id order); if the transaction fails
 * as a whole, every caller of the batch gets the error.
 *
 * The row cache is written through after COMMIT only, and dropped for every
 * agent whose outcome is not known to match it.
 */
import type BetterSqlite3 from "better-sqlite3";
import { setImmediate } from "node:timers";
import type { AgentTable } from "./rows.js";
import type { RowCache } from "./sqlite-row-cache.js";
import type { Commit, CommitResult, StoredEvent } from "./store.js";

/** Changes per transaction, at most. */
const MAX_BATCH = 256;

/** The agents table as this batch has left it so far: a row, or null when deleted. Absent: unchanged by the batch. */
export type Written = Map<string, AgentTable | null>;

/**
 * Writes one change inside the batch's transaction. Returns its events and the
 * agent's row as now stored (null: deleted; undefined: written but not known
 * here), or a conflict. Throws on an error.
 */
export type ApplyChange = (
  change: Commit,
  id: string,
  written: Written,
) => { events: StoredEvent[]; row: AgentTable | null | undefined } | { conflict: "exists" | "conflict" };

interface Queued {
  change: Commit;
  resolve: (r: CommitResult) => void;
  reject: (err: unknown) => void;
}

type Outcome = { result: CommitResult } | { error: unknown };

/** The agent a commit writes (undefined for a malformed commit, which then fails alone). */
function idOf(c: Commit): string | undefined {
  const m = c?.mutation;
  const id: unknown = m && (m.op === "insert" || m.op === "update" ? m.row?.id : m.id);
  return typeof id === "string" ? id : undefined;
}

export class GroupCommit {
  /** Commits waiting for the next batch, in call order. */
  private queue: Queued[] = [];
  private flushScheduled = false;

  constructor(
    private readonly raw: BetterSqlite3.Database,
    private readonly stmt: (sql: string) => BetterSqlite3.Statement,
    private readonly cache: RowCache,
    private readonly apply: ApplyChange,
    /** Called after each flush that wrote (the WAL checkpointer's cue). */
    private readonly afterFlush: () => void,
  ) {}

  commit(change: Commit): Promise<CommitResult> {
    return new Promise<CommitResult>((resolve, reject) => {
      this.queue.push({ change, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs every queued commit, MAX_BATCH per transaction, in call order. */
  flush(): void {
    this.flushScheduled = false;
    while (this.queue.length) {
      const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
      this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
      this.runBatch(batch);
    }
    this.afterFlush();
  }

  private runBatch(batch: Queued[]): void {
    const outcomes: Outcome[] = [];
    const written: Written = new Map();
    /** Ids whose cached row must go: after a conflict or an error (the cache may have been behind), or a write whose result is not known. */
    const drop = new Set<string>();
    try {
      this.stmt("begin immediate").run();
      try {
        // Inside the write lock: nobody else can write until COMMIT, so this holds for the whole batch.
        this.cache.checkExternalWrites();
        for (const { change } of batch) {
          const id = idOf(change);
          this.stmt("savepoint change").run();
          let outcome: Outcome;
          let ok: { row: AgentTable | null | undefined } | undefined;
          try {
            if (id === undefined) throw new TypeError("a commit needs a mutation with an agent id");
            const r = this.apply(change, id, written);
            if ("conflict" in r) {
              outcome = { result: { ok: false, reason: r.conflict } };
            } else {
              outcome = { result: { ok: true, events: r.events } };
              ok = r;
            }
          } catch (err) {
            // Some errors (I/O, out of memory) end the transaction itself: then nothing of the batch stands.
            if (!this.raw.inTransaction) throw err;
            outcome = { error: err };
          }
          if (ok) {
            this.stmt("release change").run();
            if (ok.row !== undefined) written.set(id!, ok.row);
            else {
              // Written, but the resulting row is not known here (a touch of an uncached agent).
              written.delete(id!);
              drop.add(id!);
            }
          } else {
            this.stmt("rollback to change").run();
            this.stmt("release change").run();
            if (id !== undefined) drop.add(id);
          }
          outcomes.push(outcome);
        }
        this.stmt("commit").run();
      } catch (err) {
        if (this.raw.inTransaction) this.stmt("rollback").run();
        throw err;
      }
    } catch (err) {
      for (const { change } of batch) this.cache.forget(idOf(change) as string);
      for (const q of batch) q.reject(err);
      return;
    }
    for (const [id, row] of written) {
      if (row) this.cache.remember(row);
      else this.cache.forget(id);
    }
    for (const id of drop) this.cache.forget(id);
    batch.forEach((q, i) => {
      const o = outcomes[i];
      if ("result" in o) q.resolve(o.result);
      else q.reject(o.error);
    });
  }
}
