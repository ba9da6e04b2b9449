/**
 * The embedded store: one SQLite file in WAL mode (synchronous=NORMAL), driven
 * by better-sqlite3, with WAL checkpoints in a worker thread rather than inside
 * a commit (sqlite-checkpointer.ts). Kysely runs the shared migrations and builds the shared list
 * query; the hot paths (read an agent, commit a change, read the log) are
 * prepared statements run synchronously, so a whole commit is one short
 * transaction that never yields to the event loop halfway.
 *
 * Event ids come from `INTEGER PRIMARY KEY AUTOINCREMENT`: never reused, and,
 * with one writer per file, gapless in commit order (a rolled-back insert does
 * not consume an id).
 *
 * Group commit: the commits that arrive in one turn of the event loop run in
 * one `BEGIN IMMEDIATE … COMMIT` (at most MAX_BATCH per transaction), each
 * inside its own SAVEPOINT, so a conflict or an error undoes only that change.
 * Every caller's promise settles after the real COMMIT, in the order the
 * commits were made (= event id order, so the registry offers events to the
 * tailer in id order); if the transaction fails as a whole, every caller of
 * the batch gets the error.
 *
 * Agent cache: the agents' rows as stored, written through after COMMIT only
 * and dropped on a conflict, an error, a failed batch or a delete. Reads hand
 * out fresh objects. `PRAGMA data_version` tells when another connection wrote
 * the file (the sqlite3 tool, a second store): then the cache is dropped. It is
 * looked at inside every write transaction (so a commit never works from a
 * stale row) and by the first read of each event-loop turn. Knowing the row as
 * stored also lets an update write only the columns that changed.
 */
import BetterSqlite3 from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { setImmediate } from "node:timers";
import { dirname } from "node:path";
import { Kysely, SqliteDialect, type CompiledQuery } from "kysely";
import { migrateToLatest } from "./migrations.js";
import { Checkpointer, type CheckpointOptions } from "./sqlite-checkpointer.js";
import { reapCandidatesQuery, toOfflineAgent, type OfflineRow } from "./reap-query.js";
import { COUNTS_SQL, foldCounts, fromTable, listCountQuery, listPageQuery, toTable, type AgentTable, type Database } from "./rows.js";
import {
  HISTORY_PER_AGENT,
  type AgentCounts,
  type AgentRow,
  type Commit,
  type CommitResult,
  type EventBounds,
  type EventFilter,
  type Guard,
  type HealthHistoryRow,
  type ListOptions,
  type ListResult,
  type ReportCount,
  type SessionRow,
  type Store,
  type StoredEvent,
  type TrustHistoryRow,
} from "./store.js";

const AGENT_COLUMNS = [
  "id", "name", "version", "description", "endpoint", "protocol", "skills", "tags", "provider", "metadata",
  "tags_index", "skills_index", "search_text", "health_status", "health_message", "last_heartbeat_at",
  "trust_score", "trust_raw", "trust_updated_at", "revision", "created_at", "updated_at", "token_hash",
  "healthy_since", "reports_window_start", "reports_window_weight",
] as const;

/** Changes per transaction, at most. */
const MAX_BATCH = 256;
/** Agent rows kept in memory, at most (the oldest cached goes first). */
const MAX_CACHED_AGENTS = 20_000;

const UPDATABLE = AGENT_COLUMNS.filter((c) => c !== "id");

interface Queued {
  change: Commit;
  resolve: (r: CommitResult) => void;
  reject: (err: unknown) => void;
}

type Outcome = { result: CommitResult } | { error: unknown };

/** The agents table as this batch has left it so far: a row, or null when deleted. Absent: unchanged by the batch. */
type Written = Map<string, AgentTable | null>;

interface EventRow {
  id: number;
  type: string;
  agent_id: string;
  at: number;
  payload: string;
}

/** The agent a commit writes (undefined for a malformed commit, which then fails alone). */
function idOf(c: Commit): string | undefined {
  const m = c?.mutation;
  const id: unknown = m && (m.op === "insert" || m.op === "update" ? m.row?.id : m.id);
  return typeof id === "string" ? id : undefined;
}

const toEvent = (r: EventRow): StoredEvent => ({ id: r.id, type: r.type as StoredEvent["type"], agentId: r.agent_id, at: r.at, payload: r.payload });

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
  private readonly raw: BetterSqlite3.Database;
  private readonly kysely: Kysely<Database>;
  /** Commits waiting for the next batch, in call order. */
  private queue: Queued[] = [];
  private flushScheduled = false;
  /** Agent rows exactly as stored (never handed out: reads parse a fresh AgentRow). */
  private readonly agents = new Map<string, AgentTable>();
  private dataVersion: number;
  private checkedThisTurn = false;
  private readonly dataVersionStmt: BetterSqlite3.Statement;

  constructor(
    raw: BetterSqlite3.Database,
    kysely: Kysely<Database>,
    private readonly checkpointer: Checkpointer | null,
  ) {
    this.raw = raw;
    this.kysely = kysely;
    this.dataVersionStmt = raw.prepare("pragma data_version").pluck();
    this.dataVersion = this.dataVersionStmt.get() as number;
  }

  /** Drops the cache if another connection has written the file since the last look. */
  private checkExternalWrites(): void {
    const v = this.dataVersionStmt.get() as number;
    if (v !== this.dataVersion) {
      this.dataVersion = v;
      this.agents.clear();
    }
  }

  /**
   * The same look for reads, at most once per turn of the event loop: it costs
   * about what reading the row does (a read transaction: file-lock syscalls), so
   * looking on every read would cancel the cache. A read may miss another
   * connection's write made during the current turn, never an earlier one.
   */
  private checkExternalWritesThisTurn(): void {
    if (this.checkedThisTurn) return;
    this.checkedThisTurn = true;
    setImmediate(() => {
      this.checkedThisTurn = false;
    });
    this.checkExternalWrites();
  }

  private remember(t: AgentTable): void {
    this.agents.delete(t.id);
    this.agents.set(t.id, Object.freeze(t));
    if (this.agents.size > MAX_CACHED_AGENTS) this.agents.delete(this.agents.keys().next().value as string);
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      if (this.statements.size < 500) this.statements.set(sql, s);
    }
    return s;
  }

  private run(q: CompiledQuery) {
    return this.stmt(q.sql).all(...(q.parameters as unknown[]));
  }

  async migrate() {
    await migrateToLatest(this.kysely as Kysely<any>, "sqlite");
    this.agents.clear();
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
    this.flush();
    this.closed = true;
    this.agents.clear();
    this.statements.clear();
    await this.checkpointer?.close();
    // Kysely's destroy closes the better-sqlite3 handle, which (as the last connection) checkpoints the WAL and removes it.
    await this.kysely.destroy();
  }

  async getAgent(id: string) {
    this.checkExternalWritesThisTurn();
    let t = this.agents.get(id);
    if (!t) {
      t = this.stmt("select * from agents where id = ?").get(id) as AgentTable | undefined;
      if (t) this.remember(t);
    }
    return t && fromTable(t);
  }

  async findAgentByTokenHash(hash: string) {
    const t = this.stmt("select * from agents where token_hash = ?").get(hash) as AgentTable | undefined;
    return t && fromTable(t);
  }

  private lastEventId(): number {
    const r = this.stmt("select seq from sqlite_sequence where name = 'events'").get() as { seq: number } | undefined;
    return r?.seq ?? 0;
  }

  async listAgents(q: ListOptions): Promise<ListResult> {
    const read = this.raw.transaction(() => {
      const rows = (this.run(listPageQuery(this.kysely, q).compile()) as AgentTable[]).map(fromTable);
      const [{ n }] = this.run(listCountQuery(this.kysely, q).compile()) as { n: number }[];
      return { rows, total: Number(n), cursor: this.lastEventId() };
    });
    return read.deferred();
  }

  async countAgents(): Promise<AgentCounts> {
    return foldCounts(this.stmt(COUNTS_SQL).all() as { health_status: string; tier: string; n: number }[]);
  }

  async staleAgents(cutoff: number, limit: number) {
    const rows = this.stmt(
      "select * from agents where health_status <> 'offline' and coalesce(last_heartbeat_at, created_at) <= ? order by coalesce(last_heartbeat_at, created_at) limit ?",
    ).all(cutoff, limit) as AgentTable[];
    return rows.map(fromTable);
  }

  async decayCandidates(before: number, minDistance: number, limit: number) {
    const rows = this.stmt("select * from agents where trust_updated_at < ? and abs(trust_raw - 0.5) >= ? limit ?").all(
      before,
      minDistance,
      limit,
    ) as AgentTable[];
    return rows.map(fromTable);
  }

  async reapCandidates(offlineBefore: number, limit: number) {
    return (this.run(reapCandidatesQuery(this.kysely, offlineBefore, limit)) as OfflineRow[]).map(toOfflineAgent);
  }

  async trustHistory(agentId: string, limit: number): Promise<TrustHistoryRow[]> {
    const rows = this.stmt(
      "select * from (select id, at, score, tier, reason from trust_history where agent_id = ? order by id desc limit ?) order by id",
    ).all(agentId, limit) as { at: number; score: number; tier: TrustHistoryRow["tier"]; reason: string }[];
    return rows.map((r) => ({ agentId, at: r.at, score: r.score, tier: r.tier, reason: r.reason }));
  }

  async healthHistory(agentId: string, limit: number): Promise<HealthHistoryRow[]> {
    const rows = this.stmt(
      "select * from (select id, at, status, previous_status, message from health_history where agent_id = ? order by id desc limit ?) order by id",
    ).all(agentId, limit) as { at: number; status: HealthHistoryRow["status"]; previous_status: HealthHistoryRow["status"]; message: string | null }[];
    return rows.map((r) => ({ agentId, at: r.at, status: r.status, previousStatus: r.previous_status, message: r.message }));
  }

  async reportCount(subjectId: string, reporterId: string): Promise<ReportCount | undefined> {
    const r = this.stmt("select window_start, count from report_counts where subject_id = ? and reporter_id = ?").get(subjectId, reporterId) as
      | { window_start: number; count: number }
      | undefined;
    return r && { subjectId, reporterId, windowStart: r.window_start, count: r.count };
  }

  /**
   * One change, inside the batch's transaction and its own savepoint. Returns
   * its events, or a conflict; `written` is what the batch has written so far.
   * Throws on an error (the caller rolls back to the savepoint).
   */
  private apply(change: Commit, id: string, written: Written): { events: StoredEvent[]; row: AgentTable | null | undefined } | { conflict: "exists" | "conflict" } {
    const m = change.mutation;
    const guard = (e: Guard) => (e.reportsWindow ? [e.revision, e.lastHeartbeatAt, e.reportsWindow.start, e.reportsWindow.weight] : [e.revision, e.lastHeartbeatAt]);
    const guardSql = (e: Guard) => `revision = ? and last_heartbeat_at is ?${e.reportsWindow ? " and reports_window_start = ? and reports_window_weight = ?" : ""}`;
    // The row as stored now, if known: what this batch wrote, else the cache (checked against other writers at BEGIN).
    const known = written.has(id) ? written.get(id) : this.agents.get(id);
    let row: AgentTable | null | undefined;
    switch (m.op) {
      case "insert": {
        if (known || (known === undefined && this.stmt("select 1 from agents where id = ?").get(m.row.id))) return { conflict: "exists" };
        const t = toTable(m.row);
        this.stmt(`insert into agents (${AGENT_COLUMNS.join(", ")}) values (${AGENT_COLUMNS.map(() => "?").join(", ")})`).run(
          ...AGENT_COLUMNS.map((c) => t[c]),
        );
        row = t;
        break;
      }
      case "update": {
        const t = toTable(m.row);
        // Only the columns that differ from the stored row, so unchanged indexed columns are not rewritten
        // (every column when the stored row is not known). Either way the row is then exactly `t`.
        let columns: readonly (typeof UPDATABLE)[number][] = known ? UPDATABLE.filter((c) => t[c] !== known[c]) : UPDATABLE;
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
      this.stmt("insert into health_history (agent_id, at, status, previous_status, message) values (?, ?, ?, ?, ?)").run(
        h.agentId,
        h.at,
        h.status,
        h.previousStatus,
        h.message,
      );
    }
    if (change.reportCount) {
      const c = change.reportCount;
      this.stmt(
        "insert into report_counts (subject_id, reporter_id, window_start, count) values (?, ?, ?, ?) on conflict (subject_id, reporter_id) do update set window_start = excluded.window_start, count = excluded.count",
      ).run(c.subjectId, c.reporterId, c.windowStart, c.count);
    }
    const insertEvent = this.stmt("insert into events (type, agent_id, at, payload) values (?, ?, ?, ?)");
    const events = change.events.map((e) => ({ ...e, id: Number(insertEvent.run(e.type, e.agentId, e.at, e.payload).lastInsertRowid) }));
    return { events, row };
  }

  commit(change: Commit): Promise<CommitResult> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    return new Promise<CommitResult>((resolve, reject) => {
      this.queue.push({ change, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs every queued commit, MAX_BATCH per transaction, in call order. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length) {
      const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
      this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
      this.runBatch(batch);
    }
    this.checkpointer?.committed();
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
        this.checkExternalWrites();
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
      for (const { change } of batch) this.agents.delete(idOf(change) as string);
      for (const q of batch) q.reject(err);
      return;
    }
    for (const [id, row] of written) {
      if (row) this.remember(row);
      else this.agents.delete(id);
    }
    for (const id of drop) this.agents.delete(id);
    batch.forEach((q, i) => {
      const o = outcomes[i];
      if ("result" in o) q.resolve(o.result);
      else q.reject(o.error);
    });
  }

  // Sessions are written outside the group commit: they touch no agent and no event.
  async createSession(session: SessionRow): Promise<void> {
    this.raw.transaction(() => {
      this.stmt("delete from sessions where expires_at <= ?").run(session.createdAt);
      this.stmt("insert into sessions (id_hash, created_at, expires_at) values (?, ?, ?)").run(session.idHash, session.createdAt, session.expiresAt);
    }).immediate();
    this.checkpointer?.committed();
  }

  async sessionExpiresAt(idHash: string): Promise<number | undefined> {
    const r = this.stmt("select expires_at from sessions where id_hash = ?").get(idHash) as { expires_at: number } | undefined;
    return r?.expires_at;
  }

  async deleteSession(idHash: string): Promise<void> {
    this.stmt("delete from sessions where id_hash = ?").run(idHash);
    this.checkpointer?.committed();
  }

  async eventsAfter(after: number, limit: number, filter: EventFilter = {}): Promise<StoredEvent[]> {
    const where = ["id > ?"];
    const params: unknown[] = [after];
    if (filter.types?.length) {
      where.push(`type in (${filter.types.map(() => "?").join(", ")})`);
      params.push(...filter.types);
    }
    if (filter.agentIds?.length) {
      where.push(`agent_id in (${filter.agentIds.map(() => "?").join(", ")})`);
      params.push(...filter.agentIds);
    }
    params.push(limit);
    const rows = this.stmt(`select id, type, agent_id, at, payload from events where ${where.join(" and ")} order by id limit ?`).all(...params) as EventRow[];
    return rows.map(toEvent);
  }

  async eventBounds(): Promise<EventBounds> {
    const read = this.raw.transaction(() => {
      const r = this.stmt("select min(id) as oldest from events").get() as { oldest: number | null };
      return { oldest: r.oldest, last: this.lastEventId() };
    });
    return read.deferred();
  }

  async prune(maxEvents: number, olderThan: number): Promise<number> {
    const tx = this.raw.transaction(() => {
      const last = this.lastEventId();
      let deleted = this.stmt("delete from events where id <= ?").run(last - maxEvents).changes;
      deleted += this.stmt("delete from events where at < ?").run(olderThan).changes;
      for (const table of ["trust_history", "health_history"]) {
        this.stmt(
          `delete from ${table} where id in (select id from (select id, row_number() over (partition by agent_id order by id desc) as rn from ${table}) as ranked where rn > ?)`,
        ).run(HISTORY_PER_AGENT);
      }
      return deleted;
    });
    const deleted = tx.immediate();
    this.checkpointer?.committed();
    return deleted;
  }
}
