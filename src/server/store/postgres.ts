/**
 * The PostgreSQL store, for several AgentMesh instances on one database. Same
 * promises as the SQLite store (one contract suite proves both); what differs
 * is how they are kept when many processes write at once:
 *
 * - Each commit is ONE statement in its own transaction (postgres-sql.ts): the
 *   guarded agent change, its history rows, and, last, its events with ids
 *   taken from the one-row `event_counter` table. The counter's row lock
 *   serialises id allocation across all instances and is held until that
 *   statement commits, so event-writing commits commit in id order and a
 *   rollback gives its ids back: readers never see id 101 before a
 *   still-uncommitted 100, and never a gap. (A transaction-scoped advisory lock
 *   would serialise as well but still needs somewhere to keep the last id once
 *   the log is pruned; the counter row is both, and `eventBounds().last` reads
 *   it.) Commits without events never touch the counter and run in parallel.
 * - The same statement queues `pg_notify` on the store's channel; PostgreSQL
 *   delivers it at commit (never for a rollback) to every instance's LISTEN
 *   connection (postgres-listener.ts), which wakes its tailer.
 * - Guards under READ COMMITTED: a racing writer blocks on the agent row, then
 *   re-checks the guard against the committed row and matches nothing — the
 *   `conflict` the registry retries. Deadlocks and serialization failures are
 *   retried here.
 * - A list and its cursor come from one REPEATABLE READ snapshot.
 * - Connection failures become a 503 `store_unavailable` (postgres-errors.ts);
 *   every wait is bounded (postgres-config.ts).
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import pg from "pg";
import { AppError } from "../errors.js";
import { migrateToLatest } from "./migrations.js";
import { channelFor, clientConfig, type PostgresStoreOptions } from "./postgres-config.js";
import { isRetryable, isStaleConnection, toStoreError } from "./postgres-errors.js";
import { PgListener } from "./postgres-listener.js";
import { AGENT_COLUMNS, EVENT_COLUMNS, commitStatement, type CommitOutcome, type EventRow } from "./postgres-sql.js";
import { reapCandidatesQuery, toOfflineAgent, type OfflineRow } from "./reap-query.js";
import { COUNTS_SQL, foldCounts, fromTable, listCountQuery, listPageQuery, type AgentTable, type Database } from "./rows.js";
import {
  HISTORY_PER_AGENT,
  type AgentCounts,
  type Commit,
  type CommitResult,
  type EventBounds,
  type EventFilter,
  type HealthHistoryRow,
  type ListOptions,
  type ListResult,
  type ReportCount,
  type SessionRow,
  type Store,
  type StoredEvent,
  type TrustHistoryRow,
} from "./store.js";

export type { PostgresStoreOptions } from "./postgres-config.js";

/**
 * pg emits `error` on a client whose connection ends (a terminated backend, a
 * database restart). The pool listens on its idle clients only; an `error`
 * with no listener ends the process, so a client checked out by `connect()`
 * (a transaction, a commit) needs one of its own for as long as it lives. The
 * error itself is not lost: the statement in flight (or the next one) fails
 * with it, and the client is then released as broken and discarded.
 */
function neverThrowErrors(pool: pg.Pool): void {
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
}

const toEvent = (r: EventRow): StoredEvent => ({ id: r.id, type: r.type as StoredEvent["type"], agentId: r.agent_id, at: r.at, payload: r.payload });

/**
 * Opens a pool on `url` (a `postgres://` URL) and finds the schema it works in.
 * Call `migrate()` before use.
 *
 * @example
 * const store = await openPostgresStore("postgres://agentmesh@db:5432/agentmesh", { poolSize: 10 });
 * await store.migrate();
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({ ...clientConfig(url, options, "pool"), max: options.poolSize, idleTimeoutMillis: 30_000 });
  neverThrowErrors(pool);
  let schema: string | null;
  try {
    schema = (await pool.query<{ schema: string | null }>("select current_schema() as schema")).rows[0].schema;
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`cannot reach PostgreSQL: ${(err as Error).message}`);
  }
  if (!schema) {
    await pool.end().catch(() => {});
    throw new Error("the database's search_path names no existing schema; create the schema first (or fix ?options=-c search_path=…)");
  }
  return new PostgresStore(url, options, pool, schema);
}

/** Builds SQL text only; it never connects. */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  private closed = false;
  private listener: PgListener | null = null;
  private readonly names = new Map<string, string>();
  private readonly channel: string;

  constructor(
    private readonly url: string,
    private readonly options: PostgresStoreOptions,
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {
    this.channel = channelFor(schema);
  }

  /** A named (prepared once per connection) statement for fixed SQL text. */
  private named(text: string, values: unknown[]): pg.QueryConfig {
    let name = this.names.get(text);
    if (!name) this.names.set(text, (name = `agentmesh_${this.names.size}`));
    return { name, text, values };
  }

  private assertOpen() {
    // A request still queued when shutdown closes the store: the client should retry (elsewhere), not see a 500.
    if (this.closed) throw new AppError("store_unavailable", "this instance is shutting down; retry");
  }

  /** One statement on any pooled connection; a connection that turns out to be dead is replaced once. */
  private async read<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], prepare = true): Promise<R[]> {
    this.assertOpen();
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.pool.query<R>(prepare ? this.named(text, values) : { text, values })).rows;
      } catch (err) {
        if (attempt === 0 && isStaleConnection(err)) continue;
        throw toStoreError(err);
      }
    }
  }

  /**
   * Runs `work` in a transaction (the list snapshot, pruning: both safe to run
   * twice). Retried on a deadlock, a serialization failure, or once on a
   * connection that turned out to be dead.
   */
  private async tx<T>(work: (client: pg.PoolClient) => Promise<T>, begin = "begin"): Promise<T> {
    this.assertOpen();
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        if (attempt === 0 && isStaleConnection(err)) continue;
        throw toStoreError(err);
      }
      try {
        await client.query(begin);
        const value = await work(client);
        await client.query("commit");
        client.release();
        return value;
      } catch (err) {
        // Dropping the connection aborts whatever it had open.
        client.release(err instanceof Error ? err : true);
        const again = attempt < 4 && (isRetryable(err) || (attempt === 0 && isStaleConnection(err)));
        if (!again) throw toStoreError(err);
      }
    }
  }

  async migrate(): Promise<void> {
    this.assertOpen();
    // Its own single connection, without the statement timeout: a start-up may wait
    // on another instance's migration (Kysely's Migrator holds an advisory lock).
    const pool = new pg.Pool({ ...clientConfig(this.url, this.options, "migrate"), statement_timeout: 0, query_timeout: undefined, max: 1 });
    neverThrowErrors(pool);
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    try {
      await migrateToLatest(db, "postgres", this.schema);
    } finally {
      await db.destroy();
    }
  }

  async ping(): Promise<void> {
    await this.read("select 1", [], false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener?.close();
    this.listener = null;
    await this.pool.end();
  }

  async watch(wake: () => void): Promise<void> {
    this.assertOpen();
    await this.listener?.close();
    this.listener = new PgListener({
      client: clientConfig(this.url, this.options, "listen"),
      channel: this.channel,
      wake,
      onState: this.options.onListenerState,
    });
    await this.listener.start();
  }

  async getAgent(id: string) {
    const [t] = await this.read<AgentTable>(`select ${AGENT_COLUMNS} from agents where id = $1`, [id]);
    return t && fromTable(t);
  }

  async findAgentByTokenHash(hash: string) {
    const [t] = await this.read<AgentTable>(`select ${AGENT_COLUMNS} from agents where token_hash = $1`, [hash]);
    return t && fromTable(t);
  }

  async listAgents(q: ListOptions): Promise<ListResult> {
    const page = listPageQuery(compiler, q).compile();
    const count = listCountQuery(compiler, q).compile();
    // One snapshot for the page, the total and the cursor: the cursor is exactly
    // the last event whose change the rows already show.
    return this.tx(async (client) => {
      const rows = (await client.query<AgentTable>(page.sql, page.parameters as unknown[])).rows.map(fromTable);
      const [{ n }] = (await client.query<{ n: number }>(count.sql, count.parameters as unknown[])).rows;
      const [{ last_id }] = (await client.query<{ last_id: number }>(this.named("select last_id from event_counter", []))).rows;
      return { rows, total: Number(n), cursor: last_id };
    }, "begin isolation level repeatable read read only");
  }

  async countAgents(): Promise<AgentCounts> {
    return foldCounts(await this.read<{ health_status: string; tier: string; n: number }>(COUNTS_SQL));
  }

  async staleAgents(cutoff: number, limit: number) {
    const rows = await this.read<AgentTable>(
      `select ${AGENT_COLUMNS} from agents where health_status <> 'offline' and coalesce(last_heartbeat_at, created_at) <= $1 order by coalesce(last_heartbeat_at, created_at) limit $2`,
      [cutoff, limit],
    );
    return rows.map(fromTable);
  }

  async decayCandidates(before: number, minDistance: number, limit: number) {
    const rows = await this.read<AgentTable>(`select ${AGENT_COLUMNS} from agents where trust_updated_at < $1 and abs(trust_raw - 0.5) >= $2 limit $3`, [before, minDistance, limit]);
    return rows.map(fromTable);
  }

  async reapCandidates(offlineBefore: number, limit: number) {
    const q = reapCandidatesQuery(compiler, offlineBefore, limit);
    // Not prepared: `agents.*` would break a cached plan once a later migration adds a column.
    return (await this.read<OfflineRow>(q.sql, q.parameters as unknown[], false)).map(toOfflineAgent);
  }

  async trustHistory(agentId: string, limit: number): Promise<TrustHistoryRow[]> {
    const rows = await this.read<{ at: number; score: number; tier: TrustHistoryRow["tier"]; reason: string }>(
      "select * from (select id, at, score, tier, reason from trust_history where agent_id = $1 order by id desc limit $2) as recent order by id",
      [agentId, limit],
    );
    return rows.map((r) => ({ agentId, at: r.at, score: r.score, tier: r.tier, reason: r.reason }));
  }

  async healthHistory(agentId: string, limit: number): Promise<HealthHistoryRow[]> {
    const rows = await this.read<{ at: number; status: HealthHistoryRow["status"]; previous_status: HealthHistoryRow["status"]; message: string | null }>(
      "select * from (select id, at, status, previous_status, message from health_history where agent_id = $1 order by id desc limit $2) as recent order by id",
      [agentId, limit],
    );
    return rows.map((r) => ({ agentId, at: r.at, status: r.status, previousStatus: r.previous_status, message: r.message }));
  }

  async reportCount(subjectId: string, reporterId: string): Promise<ReportCount | undefined> {
    const [r] = await this.read<{ window_start: number; count: number }>(
      "select window_start, count from report_counts where subject_id = $1 and reporter_id = $2",
      [subjectId, reporterId],
    );
    return r && { subjectId, reporterId, windowStart: r.window_start, count: r.count };
  }

  /**
   * Commits that write events queue here, one in flight per instance: they all
   * serialise on the counter row anyway, and a queue in this process is far
   * cheaper than a queue of backends waiting on one row lock (every release
   * wakes them all). Commits without events do not queue.
   */
  private eventWriters: Promise<unknown> = Promise.resolve();

  async commit(change: Commit): Promise<CommitResult> {
    if (change.events.length === 0) return this.commitNow(change);
    const run = this.eventWriters.then(() => this.commitNow(change));
    this.eventWriters = run.catch(() => {});
    return run;
  }

  private async commitNow(change: Commit): Promise<CommitResult> {
    this.assertOpen();
    const { text, values } = commitStatement(change, this.channel);
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw toStoreError(err);
      }
      let outcome: CommitOutcome;
      try {
        [outcome] = (await client.query<CommitOutcome>(this.named(text, values))).rows;
        client.release();
      } catch (err) {
        client.release(err instanceof Error ? err : true);
        // A deadlock or serialization failure rolled the statement back: run it again. A
        // broken connection is not retried: the statement may have committed (the guard
        // would make a rerun a conflict), so the caller gets a 503 and decides.
        if (isRetryable(err) && attempt < 4) continue;
        throw toStoreError(err);
      }
      if (outcome.applied !== 1) return { ok: false, reason: change.mutation.op === "insert" ? "exists" : "conflict" };
      const first = outcome.first;
      return { ok: true, events: first === null ? [] : change.events.map((e, i) => ({ ...e, id: first + i })) };
    }
  }

  async createSession(session: SessionRow): Promise<void> {
    await this.tx(async (client) => {
      await client.query("delete from sessions where expires_at <= $1", [session.createdAt]);
      await client.query("insert into sessions (id_hash, created_at, expires_at) values ($1, $2, $3)", [session.idHash, session.createdAt, session.expiresAt]);
    });
  }

  async sessionExpiresAt(idHash: string): Promise<number | undefined> {
    const [r] = await this.read<{ expires_at: string | number }>("select expires_at from sessions where id_hash = $1", [idHash]);
    return r && Number(r.expires_at);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.read("delete from sessions where id_hash = $1", [idHash]);
  }

  async eventsAfter(after: number, limit: number, filter: EventFilter = {}): Promise<StoredEvent[]> {
    const where = ["id > $1"];
    const values: unknown[] = [after];
    if (filter.types?.length) {
      values.push(filter.types);
      where.push(`type = any($${values.length}::text[])`);
    }
    if (filter.agentIds?.length) {
      values.push(filter.agentIds);
      where.push(`agent_id = any($${values.length}::text[])`);
    }
    values.push(limit);
    const rows = await this.read<EventRow>(`select ${EVENT_COLUMNS} from events where ${where.join(" and ")} order by id limit $${values.length}`, values);
    return rows.map(toEvent);
  }

  async eventBounds(): Promise<EventBounds> {
    // One statement, one snapshot: `last` comes from the counter, so it survives pruning.
    const [r] = await this.read<{ oldest: number | null; last: number }>("select (select min(id) from events) as oldest, last_id as last from event_counter");
    return { oldest: r.oldest, last: r.last };
  }

  async prune(maxEvents: number, olderThan: number): Promise<number> {
    return this.tx(async (client) => {
      // Every instance's sweeper prunes; one at a time is enough (the others skip).
      const [{ got }] = (await client.query<{ got: boolean }>("select pg_try_advisory_xact_lock(7415, hashtext($1)) as got", [this.channel])).rows;
      if (!got) return 0;
      let deleted = (await client.query("delete from events where id <= (select last_id from event_counter) - $1", [maxEvents])).rowCount ?? 0;
      deleted += (await client.query("delete from events where at < $1", [olderThan])).rowCount ?? 0;
      for (const table of ["trust_history", "health_history"]) {
        await client.query(
          `delete from ${table} where id in (select id from (select id, row_number() over (partition by agent_id order by id desc) as rn from ${table}) as ranked where rn > $1)`,
          [HISTORY_PER_AGENT],
        );
      }
      return deleted;
    });
  }
}
