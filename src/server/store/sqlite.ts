/**
 * The embedded store: one SQLite file in WAL mode (synchronous=NORMAL), driven
 * by better-sqlite3, with WAL checkpoints in a worker thread rather than inside
 * a commit (sqlite-checkpointer.ts). Kysely runs the shared migrations and builds the shared
 * queries; the hot paths (read an agent, commit a change, read the log) are
 * prepared statements run synchronously, so a whole commit is one short
 * transaction that never yields to the event loop halfway.
 *
 * Event ids come from `INTEGER PRIMARY KEY AUTOINCREMENT`: never reused, and,
 * with one writer per file, gapless in commit order (a rolled-back insert does
 * not consume an id).
 *
 * Group commit (sqlite-group-commit.ts): the commits that arrive in one turn
 * of the event loop run in one transaction, each in its own savepoint.
 * Agent cache (sqlite-row-cache.ts): the agents' rows as stored, written
 * through after COMMIT; `PRAGMA data_version` drops it when another connection
 * writes the file.
 *
 * The reads and housekeeping are the shared queries (queries.ts), compiled by
 * Kysely and run here as prepared statements; what is this store's own is how
 * one change is written (`apply`) and where the last event id lives.
 */
import BetterSqlite3 from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect, type Compilable, type CompiledQuery } from "kysely";
import { AGENT_COLUMNS } from "./columns.js";
import { migrateToLatest } from "./migrations.js";
import * as queries from "./queries.js";
import { reapCandidatesQuery, toOfflineAgent } from "./reap-query.js";
import { COUNTS_SQL, foldCounts, fromTable, listCountQuery, listPageQuery, toTable, type AgentTable, type Database } from "./rows.js";
import { Checkpointer, type CheckpointOptions } from "./sqlite-checkpointer.js";
import { GroupCommit, type Written } from "./sqlite-group-commit.js";
import { createProbeLeases, type ProbeDatabase, type ProbeLeases } from "./probe-leases.js";
import { RowCache } from "./sqlite-row-cache.js";
import type {
  AgentCounts,
  Commit,
  CommitResult,
  EventBounds,
  EventFilter,
  Guard,
  HealthHistoryRow,
  ListOptions,
  ListResult,
  ReportCount,
  SessionRow,
  Store,
  StoredEvent,
  TrustHistoryRow,
} from "./store.js";

const UPDATABLE = AGENT_COLUMNS.filter((c) => c !== "id") as (keyof AgentTable)[];

export interface SqliteStoreOptions {
  /** WAL checkpoints in a worker thread (files only; see sqlite-checkpointer.ts). */
  checkpoint?: CheckpointOptions;
  /** Called with the connection once it is set up, for extra pragmas (tests cap the file with `max_page_count`). */
  onOpen?: (db: BetterSqlite3.Database) => void;
}

export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.pragma("busy_timeout = 5000");
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  const checkpointer = path === ":memory:" ? null : new Checkpointer(raw, path, options.checkpoint);
  options.onOpen?.(raw);
  return new SqliteStore(raw, kysely, checkpointer);
}

class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private closed = false;
  private readonly cache: RowCache;
  private readonly writer: GroupCommit;
  private readonly q: ReturnType<typeof queries.compiledQueries>;

  constructor(
    private readonly raw: BetterSqlite3.Database,
    private readonly kysely: Kysely<Database>,
    private readonly checkpointer: Checkpointer | null,
  ) {
    this.q = queries.compiledQueries(kysely);
    this.cache = new RowCache(raw);
    this.writer = new GroupCommit(raw, (sql) => this.stmt(sql), this.cache, (change, id, written) => this.apply(change, id, written), () =>
      this.checkpointer?.committed(),
    );
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      if (this.statements.size < 500) this.statements.set(sql, s);
    }
    return s;
  }

  /** A shared query's rows. */
  private all<R>(query: Compilable<R> | CompiledQuery<R>): R[] {
    const q = "compile" in query ? query.compile() : query;
    return this.stmt(q.sql).all(...(q.parameters as unknown[])) as R[];
  }

  /** A shared statement that returns no rows; the number of rows it changed. */
  private write(query: Compilable<unknown> | CompiledQuery<unknown>): number {
    const q = "compile" in query ? query.compile() : query;
    return this.stmt(q.sql).run(...(q.parameters as unknown[])).changes;
  }

  async migrate() {
    await migrateToLatest(this.kysely as Kysely<any>, "sqlite");
    this.cache.clear();
  }

  async ping() {
    if (this.closed) throw new Error("store is closed");
    this.stmt("select 1").get();
  }

  /**
   * Writes and deletes a page-sized value in a table of its own, committed: it
   * needs a free page (the file's size cap, the disk) and a WAL write, as a
   * registration does. Leaves the empty table `store_probe` behind, nothing else.
   */
  async probe() {
    if (this.closed) throw new Error("store is closed");
    const pageSize = this.raw.pragma("page_size", { simple: true }) as number;
    // Another process holding the write lock is itself the outage: say so at once rather than block the event loop for the busy timeout.
    const busyTimeout = this.raw.pragma("busy_timeout", { simple: true }) as number;
    this.raw.pragma("busy_timeout = 0");
    try {
      this.raw
        .transaction(() => {
          this.raw.exec("create table if not exists store_probe (x blob)");
          this.stmt("insert into store_probe (x) values (zeroblob(?))").run(pageSize);
          this.stmt("delete from store_probe").run();
        })
        .immediate();
    } finally {
      this.raw.pragma(`busy_timeout = ${busyTimeout}`);
    }
    this.checkpointer?.committed();
  }

  async close() {
    if (this.closed) return;
    // Commits already accepted still run (and settle) before the handle closes.
    this.writer.flush();
    this.closed = true;
    this.cache.clear();
    this.statements.clear();
    await this.checkpointer?.close();
    // Kysely's destroy closes the better-sqlite3 handle, which (as the last connection) checkpoints the WAL and removes it.
    await this.kysely.destroy();
  }

  async getAgent(id: string) {
    this.cache.checkExternalWritesThisTurn();
    let t = this.cache.get(id);
    if (!t) {
      [t] = this.all(this.q.agentById(id));
      if (t) this.cache.remember(t);
    }
    return t && fromTable(t);
  }

  async findAgentByTokenHash(hash: string) {
    const [t] = this.all(this.q.agentByTokenHash(hash));
    return t && fromTable(t);
  }

  private lastEventId(): number {
    const r = this.stmt("select seq from sqlite_sequence where name = 'events'").get() as { seq: number } | undefined;
    return r?.seq ?? 0;
  }

  async listAgents(q: ListOptions): Promise<ListResult> {
    const read = this.raw.transaction(() => {
      const rows = this.all(listPageQuery(this.kysely, q)).map(fromTable);
      const [{ n }] = this.all(listCountQuery(this.kysely, q));
      return { rows, total: Number(n), cursor: this.lastEventId() };
    });
    return read.deferred();
  }

  async countAgents(): Promise<AgentCounts> {
    return foldCounts(this.stmt(COUNTS_SQL).all() as { health_status: string; tier: string; n: number }[]);
  }

  async staleAgents(cutoff: number, limit: number) {
    return this.all(this.q.staleAgents(cutoff, limit)).map(fromTable);
  }

  async decayCandidates(before: number, minDistance: number, limit: number) {
    return this.all(this.q.decayCandidates(before, minDistance, limit)).map(fromTable);
  }

  async reapCandidates(offlineBefore: number, limit: number) {
    return this.all(reapCandidatesQuery(this.kysely, offlineBefore, limit)).map(toOfflineAgent);
  }

  async cardRefreshesDue(now: number, limit: number) {
    return this.all(this.q.cardRefreshesDue(now, limit)).map(fromTable);
  }

  async trustHistory(agentId: string, limit: number): Promise<TrustHistoryRow[]> {
    return this.all(this.q.trustHistory(agentId, limit)).map(queries.toTrustPoint);
  }

  async healthHistory(agentId: string, limit: number): Promise<HealthHistoryRow[]> {
    return this.all(this.q.healthHistory(agentId, limit)).map(queries.toHealthPoint);
  }

  async reportCount(subjectId: string, reporterId: string): Promise<ReportCount | undefined> {
    const [r] = this.all(this.q.reportCount(subjectId, reporterId));
    return r && queries.toReportCount(r);
  }

  /**
   * One change, inside the batch's transaction and its own savepoint. Returns
   * its events, or a conflict; `written` is what the batch has written so far.
   * Throws on an error (the caller rolls back to the savepoint).
   */
  private apply(change: Commit, id: string, written: Written): { events: StoredEvent[]; row: AgentTable | null | undefined } | { conflict: "exists" | "conflict" } {
    const m = change.mutation;
    const guard = (e: Guard) => [
      e.revision,
      e.lastHeartbeatAt,
      ...(e.reportsWindow ? [e.reportsWindow.start, e.reportsWindow.weight] : []),
      ...(e.cardRefreshAt !== undefined ? [e.cardRefreshAt] : []),
    ];
    const guardSql = (e: Guard) =>
      `revision = ? and last_heartbeat_at is ?${e.reportsWindow ? " and reports_window_start = ? and reports_window_weight = ?" : ""}${e.cardRefreshAt !== undefined ? " and card_refresh_at is ?" : ""}`;
    // The row as stored now, if known: what this batch wrote, else the cache (checked against other writers at BEGIN).
    const known = written.has(id) ? written.get(id) : this.cache.get(id);
    let row: AgentTable | null | undefined;
    switch (m.op) {
      case "insert": {
        if (known || (known === undefined && this.stmt("select 1 from agents where id = ?").get(m.row.id))) return { conflict: "exists" };
        const t = toTable(m.row);
        this.stmt(`insert into agents (${AGENT_COLUMNS.join(", ")}) values (${AGENT_COLUMNS.map(() => "?").join(", ")})`).run(
          ...AGENT_COLUMNS.map((c) => t[c as keyof AgentTable]),
        );
        row = t;
        break;
      }
      case "update": {
        const t = toTable(m.row);
        // Only the columns that differ from the stored row, so unchanged indexed columns are not rewritten
        // (every column when the stored row is not known). Either way the row is then exactly `t`.
        let columns = known ? UPDATABLE.filter((c) => t[c] !== known[c]) : UPDATABLE;
        if (columns.length === 0) columns = ["revision"];
        const r = this.stmt(`update agents set ${columns.map((c) => `${c} = ?`).join(", ")} where id = ? and ${guardSql(m.expect)}`).run(
          ...columns.map((c) => t[c]),
          m.row.id,
          ...guard(m.expect),
        );
        if (r.changes !== 1) return { conflict: "conflict" };
        row = t;
        break;
      }
      case "touch": {
        const set: Partial<AgentTable> = { last_heartbeat_at: m.lastHeartbeatAt, trust_raw: m.trustRaw, trust_updated_at: m.trustUpdatedAt };
        if (m.healthySince !== undefined) set.healthy_since = m.healthySince;
        if (m.reportsWindow) Object.assign(set, { reports_window_start: m.reportsWindow.start, reports_window_weight: m.reportsWindow.weight });
        const columns = Object.keys(set) as (keyof AgentTable)[];
        const r = this.stmt(`update agents set ${columns.map((c) => `${c} = ?`).join(", ")} where id = ? and ${guardSql(m.expect)}`).run(
          ...columns.map((c) => set[c]),
          m.id,
          ...guard(m.expect),
        );
        if (r.changes !== 1) return { conflict: "conflict" };
        row = known ? { ...known, ...set } : undefined;
        break;
      }
      case "delete": {
        const r = this.stmt(`delete from agents where id = ? and ${guardSql(m.expect)}`).run(m.id, ...guard(m.expect));
        if (r.changes !== 1) return { conflict: "conflict" };
        for (const table of ["trust_history", "health_history"]) this.stmt(`delete from ${table} where agent_id = ?`).run(m.id);
        this.stmt("delete from report_counts where subject_id = ? or reporter_id = ?").run(m.id, m.id);
        row = null;
        break;
      }
    }
    for (const h of change.trustHistory ?? []) {
      this.stmt("insert into trust_history (agent_id, at, score, tier, reason) values (?, ?, ?, ?, ?)").run(h.agentId, h.at, h.score, h.tier, h.reason);
    }
    for (const h of change.healthHistory ?? []) {
      this.stmt("insert into health_history (agent_id, at, status, previous_status, message, source, probe) values (?, ?, ?, ?, ?, ?, ?)").run(
        h.agentId,
        h.at,
        h.status,
        h.previousStatus,
        h.message,
        h.source ?? null,
        h.probe ? JSON.stringify(h.probe) : null,
      );
    }
    if (change.reportCount) {
      const c = change.reportCount;
      this.stmt(
        "insert into report_counts (subject_id, reporter_id, window_start, count) values (?, ?, ?, ?) on conflict (subject_id, reporter_id) do update set window_start = excluded.window_start, count = excluded.count",
      ).run(c.subjectId, c.reporterId, c.windowStart, c.count);
    }
    const insertEvent = this.stmt("insert into events (type, agent_id, at, payload, prior) values (?, ?, ?, ?, ?)");
    const events = change.events.map((e) => ({ ...e, prior: e.prior ?? null, id: Number(insertEvent.run(e.type, e.agentId, e.at, e.payload, e.prior ?? null).lastInsertRowid) }));
    return { events, row };
  }

  private leases: ProbeLeases | null = null;
  probeLeases(): ProbeLeases {
    return (this.leases ??= createProbeLeases(this.kysely as unknown as Kysely<ProbeDatabase>, "sqlite"));
  }

  commit(change: Commit): Promise<CommitResult> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    return this.writer.commit(change);
  }

  // Sessions are written outside the group commit: they touch no agent and no event.
  async createSession(session: SessionRow): Promise<void> {
    this.raw.transaction(() => {
      this.write(queries.expiredSessions(this.kysely, session.createdAt));
      this.write(queries.insertSession(this.kysely, session));
    }).immediate();
    this.checkpointer?.committed();
  }

  async sessionExpiresAt(idHash: string): Promise<number | undefined> {
    const [r] = this.all(this.q.sessionById(idHash));
    return r?.expires_at;
  }

  async deleteSession(idHash: string): Promise<void> {
    this.write(this.q.deleteSession(idHash));
    this.checkpointer?.committed();
  }

  async eventsAfter(after: number, limit: number, filter: EventFilter = {}): Promise<StoredEvent[]> {
    return this.all(this.q.eventsAfter(after, limit, filter)).map(queries.toEvent);
  }

  async eventBounds(): Promise<EventBounds> {
    const read = this.raw.transaction(() => {
      const [{ oldest }] = this.all(queries.oldestEvent(this.kysely));
      return { oldest, last: this.lastEventId() };
    });
    return read.deferred();
  }

  async prune(maxEvents: number, olderThan: number): Promise<number> {
    const tx = this.raw.transaction(() => {
      const q = queries.pruneQueries(this.kysely, this.lastEventId(), maxEvents, olderThan);
      const deleted = q.events.reduce((n, d) => n + this.write(d), 0);
      for (const d of q.history) this.write(d);
      return deleted;
    });
    const deleted = tx.immediate();
    this.checkpointer?.committed();
    return deleted;
  }
}
