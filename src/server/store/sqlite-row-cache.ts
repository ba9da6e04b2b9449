/**
 * The SQLite store's agent cache: the agents' rows exactly as stored, written
 * through after COMMIT only (sqlite-group-commit.ts) and dropped on a conflict,
 * an error, a failed batch or a delete. Rows are frozen and never handed out:
 * reads parse a fresh AgentRow. Knowing the row as stored also lets an update
 * write only the columns that changed.
 *
 * `PRAGMA data_version` tells when another connection wrote the file (the
 * sqlite3 tool, a second store): then the cache is dropped. It is looked at
 * inside every write transaction (so a commit never works from a stale row)
 * and by the first read of each event-loop turn.
 */
import type BetterSqlite3 from "better-sqlite3";
import { setImmediate } from "node:timers";
import type { AgentTable } from "./rows.js";

/** Agent rows kept in memory, at most (the oldest cached goes first). */
const MAX_CACHED_AGENTS = 20_000;

export class RowCache {
  private readonly rows = new Map<string, AgentTable>();
  private readonly dataVersionStmt: BetterSqlite3.Statement;
  private dataVersion: number;
  private checkedThisTurn = false;

  constructor(raw: BetterSqlite3.Database, private readonly max = MAX_CACHED_AGENTS) {
    this.dataVersionStmt = raw.prepare("pragma data_version").pluck();
    this.dataVersion = this.dataVersionStmt.get() as number;
  }

  get(id: string): AgentTable | undefined {
    return this.rows.get(id);
  }

  remember(t: AgentTable): void {
    this.rows.delete(t.id);
    this.rows.set(t.id, Object.freeze(t));
    if (this.rows.size > this.max) this.rows.delete(this.rows.keys().next().value as string);
  }

  forget(id: string): void {
    this.rows.delete(id);
  }

  clear(): void {
    this.rows.clear();
  }

  /** Drops the cache if another connection has written the file since the last look. */
  checkExternalWrites(): void {
    const v = this.dataVersionStmt.get() as number;
    if (v !== this.dataVersion) {
      this.dataVersion = v;
      this.rows.clear();
    }
  }

  /**
   * The same look for reads, at most once per turn of the event loop: it costs
   * about what reading the row does (a read transaction: file-lock syscalls), so
   * looking on every read would cancel the cache. A read may miss another
   * connection's write made during the current turn, never an earlier one.
   */
  checkExternalWritesThisTurn(): void {
    if (this.checkedThisTurn) return;
    this.checkedThisTurn = true;
    setImmediate(() => {
      this.checkedThisTurn = false;
    });
    this.checkExternalWrites();
  }
}
