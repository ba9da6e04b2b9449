/**
 * The embedded store: one SQLite file in WAL mode (synchronous=NORMAL), driven
 * by better-sqlite3. Kysely runs the shared migrations and builds the shared list
 * query; the hot paths (read an agent, commit a change, read the log) are
 * prepared statements run synchronously, so a whole commit is one short
 * transaction that never yields to the event loop halfway.
 *
 * Event ids come from `INTEGER PRIMARY KEY AUTOINCREMENT`: never reused, and,
 * with one writer per file, gapless in commit order (a rolled-back insert does
 * not consume an id).
 */
import BetterSqlite3 from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect, type CompiledQuery } from "kysely";
import { migrateToLatest } from "./migrations.js";
import { COUNTS_SQL, foldCounts, fromTable, listCountQuery, listPageQuery, toTable, type AgentTable, type Database } from "./rows.js";
import {
  HISTORY_PER_AGENT,
  type AgentCounts,
  type AgentRow,
  type Commit,
  type CommitResult,
  type EventBounds,
  type EventFilter,
  type HealthHistoryRow,
  type ListOptions,
  type ListResult,
  type ReportCount,
  type Store,
  type StoredEvent,
  type TrustHistoryRow,
} from "./store.js";

const AGENT_COLUMNS = [
  "id", "name", "version", "description", "endpoint", "protocol", "skills", "tags", "provider", "metadata",
  "tags_index", "skills_index", "search_text", "health_status", "health_message", "last_heartbeat_at",
  "trust_score", "trust_raw", "trust_updated_at", "revision", "created_at", "updated_at", "token_hash",
] as const;

class Conflict extends Error {}

interface EventRow {
  id: number;
  type: string;
  agent_id: string;
  at: number;
  payload: string;
}

const toEvent = (r: EventRow): StoredEvent => ({ id: r.id, type: r.type as StoredEvent["type"], agentId: r.agent_id, at: r.at, payload: r.payload });

export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.pragma("busy_timeout = 5000");
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return new SqliteStore(raw, kysely);
}

class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private closed = false;
  private readonly raw: BetterSqlite3.Database;
  private readonly kysely: Kysely<Database>;
  private readonly transaction: (change: Commit) => StoredEvent[];

  constructor(raw: BetterSqlite3.Database, kysely: Kysely<Database>) {
    this.raw = raw;
    this.kysely = kysely;
    const tx = raw.transaction((change: Commit) => this.commitTx(change));
    this.transaction = (change) => tx.immediate(change);
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
  }

  async ping() {
    if (this.closed) throw new Error("store is closed");
    this.stmt("select 1").get();
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    // Kysely's destroy closes the better-sqlite3 handle, which checkpoints the WAL.
    await this.kysely.destroy();
  }

  async getAgent(id: string) {
    const t = this.stmt("select * from agents where id = ?").get(id) as AgentTable | undefined;
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

  private commitTx(change: Commit): StoredEvent[] {
    const m = change.mutation;
    const guard = (e: { revision: number; lastHeartbeatAt: number | null }) => [e.revision, e.lastHeartbeatAt];
    switch (m.op) {
      case "insert": {
        if (this.stmt("select 1 from agents where id = ?").get(m.row.id)) throw new Conflict("exists");
        const t = toTable(m.row);
        this.stmt(`insert into agents (${AGENT_COLUMNS.join(", ")}) values (${AGENT_COLUMNS.map(() => "?").join(", ")})`).run(
          ...AGENT_COLUMNS.map((c) => t[c]),
        );
        break;
      }
      case "update": {
        const t = toTable(m.row);
        const set = AGENT_COLUMNS.filter((c) => c !== "id").map((c) => `${c} = ?`).join(", ");
        const r = this.stmt(`update agents set ${set} where id = ? and revision = ? and last_heartbeat_at is ?`).run(
          ...AGENT_COLUMNS.filter((c) => c !== "id").map((c) => t[c]),
          m.row.id,
          ...guard(m.expect),
        );
        if (r.changes !== 1) throw new Conflict("conflict");
        break;
      }
      case "touch": {
        const r = this.stmt(
          "update agents set last_heartbeat_at = ?, trust_raw = ?, trust_updated_at = ? where id = ? and revision = ? and last_heartbeat_at is ?",
        ).run(m.lastHeartbeatAt, m.trustRaw, m.trustUpdatedAt, m.id, ...guard(m.expect));
        if (r.changes !== 1) throw new Conflict("conflict");
        break;
      }
      case "delete": {
        const r = this.stmt("delete from agents where id = ? and revision = ? and last_heartbeat_at is ?").run(m.id, ...guard(m.expect));
        if (r.changes !== 1) throw new Conflict("conflict");
        for (const table of ["trust_history", "health_history"]) this.stmt(`delete from ${table} where agent_id = ?`).run(m.id);
        this.stmt("delete from report_counts where subject_id = ? or reporter_id = ?").run(m.id, m.id);
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
    return change.events.map((e) => ({ ...e, id: Number(insertEvent.run(e.type, e.agentId, e.at, e.payload).lastInsertRowid) }));
  }


  async commit(change: Commit): Promise<CommitResult> {
    try {
      return { ok: true, events: this.transaction(change) };
    } catch (err) {
      if (err instanceof Conflict) return { ok: false, reason: err.message as "exists" | "conflict" };
      throw err;
    }
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
    return tx.immediate();
  }
}
