/**
 * The PostgreSQL store, for several AgentMesh instances on one database. Same
 * promises as the SQLite store (one contract suite proves both); what differs
 * is how they are kept when many processes write at once:
 *
 * - Event ids come from the one-row `event_counter` table, updated inside the
 *   writing transaction (`last_id = last_id + n … returning`) as its LAST
 *   statement before COMMIT. The row lock serialises id allocation across all
 *   instances and is held until the transaction ends, so transactions that
 *   write events commit in id order and a rollback gives its ids back: readers
 *   never see id 101 before a still-uncommitted 100, and never see a gap. (A
 *   transaction-scoped advisory lock would serialise as well, but would still
 *   need a place to keep the last id once the log is pruned; the counter row
 *   is both.) Commits that write no event (a heartbeat that changes nothing)
 *   do not touch the counter and run fully in parallel.
 * - The same statement sends `pg_notify` on the store's channel; PostgreSQL
 *   delivers it at commit (never for a rollback) to every instance's LISTEN
 *   connection (postgres-listener.ts), which wakes its tailer.
 * - Updates are conditional (`revision`, `last_heartbeat_at`) under READ
 *   COMMITTED: a racing writer blocks on the row, then re-checks the condition
 *   against the committed row and finds 0 rows — the `conflict` the registry
 *   retries. Deadlocks and serialization failures are retried here.
 * - A list and its cursor come from one REPEATABLE READ snapshot.
 * - Connection failures become a 503 `store_unavailable` (postgres-errors.ts);
 *   every wait is bounded (postgres-config.ts).
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import pg from "pg";
import { migrateToLatest } from "./migrations.js";
import { channelFor, clientConfig, type PostgresStoreOptions } from "./postgres-config.js";
import { isRetryable, isStaleConnection, toStoreError } from "./postgres-errors.js";
import { PgListener } from "./postgres-listener.js";
import { AGENT_SQL, EVENT_SQL, HISTORY_SQL, type EventRow } from "./postgres-sql.js";
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

export type { PostgresStoreOptions } from "./postgres-config.js";

class Rollback extends Error {
  constructor(readonly reason: "exists" | "conflict") {
    super(reason);
  }
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
  // An idle pooled connection that the server drops emits here; the pool discards it.
  pool.on("error", () => {});
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
    if (this.closed) throw new Error("store is closed");
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
   * Runs `work` in a transaction. Retried from the start on a deadlock, a
   * serialization failure, or a connection that died before COMMIT was sent
   * (then nothing was written); a failure during COMMIT is not retried (it may
   * have committed) and surfaces as 503.
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
      let committing = false;
      try {
        await client.query(begin);
        const value = await work(client);
        committing = true;
        await client.query("commit");
        client.release();
        return value;
      } catch (err) {
        if (err instanceof Rollback) {
          await client.query("rollback").then(
            () => client.release(),
            (e: Error) => client.release(e),
          );
          throw err;
        }
        // Dropping the connection aborts whatever it had open.
        client.release(err instanceof Error ? err : true);
        const again = !committing && attempt < 4 && (isRetryable(err) || (attempt === 0 && isStaleConnection(err)));
        if (!again) throw toStoreError(err);
      }
    }
  }

  async migrate(): Promise<void> {
    this.assertOpen();
    // Its own single connection, without the statement timeout: a start-up may wait
    // on another instance's migration (Kysely's Migrator holds an advisory lock).
    const pool = new pg.Pool({ ...clientConfig(this.url, this.options, "migrate"), statement_timeout: 0, query_timeout: undefined, max: 1 });
    pool.on("error", () => {});
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
    const [t] = await this.read<AgentTable>("select * from agents where id = $1", [id]);
    return t && fromTable(t);
  }

  async findAgentByTokenHash(hash: string) {
    const [t] = await this.read<AgentTable>("select * from agents where token_hash = $1", [hash]);
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
      "select * from agents where health_status <> 'offline' and coalesce(last_heartbeat_at, created_at) <= $1 order by coalesce(last_heartbeat_at, created_at) limit $2",
      [cutoff, limit],
    );
    return rows.map(fromTable);
  }

  async decayCandidates(before: number, minDistance: number, limit: number) {
    const rows = await this.read<AgentTable>("select * from agents where trust_updated_at < $1 and abs(trust_raw - 0.5) >= $2 limit $3", [before, minDistance, limit]);
    return rows.map(fromTable);
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

  async commit(change: Commit): Promise<CommitResult> {
    try {
      return { ok: true, events: await this.tx((client) => this.apply(client, change)) };
    } catch (err) {
      if (err instanceof Rollback) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  private async apply(client: pg.PoolClient, change: Commit): Promise<StoredEvent[]> {
    const run = (text: string, values: unknown[]) => client.query(this.named(text, values));
    const m = change.mutation;
    switch (m.op) {
      case "insert": {
        const t = toTable(m.row);
        const r = await run(AGENT_SQL.insert, AGENT_SQL.columns.map((c) => t[c]));
        if (r.rowCount !== 1) throw new Rollback("exists");
        break;
      }
      case "update": {
        const t = toTable(m.row);
        const r = await run(AGENT_SQL.update, [...AGENT_SQL.columns.map((c) => t[c]), m.expect.revision, m.expect.lastHeartbeatAt]);
        if (r.rowCount !== 1) throw new Rollback("conflict");
        break;
      }
      case "touch": {
        const r = await run(AGENT_SQL.touch, [m.id, m.lastHeartbeatAt, m.trustRaw, m.trustUpdatedAt, m.expect.revision, m.expect.lastHeartbeatAt]);
        if (r.rowCount !== 1) throw new Rollback("conflict");
        break;
      }
      case "delete": {
        const r = await run(AGENT_SQL.delete, [m.id, m.expect.revision, m.expect.lastHeartbeatAt]);
        if (r.rows[0].n !== 1) throw new Rollback("conflict");
        break;
      }
    }
    const trust = change.trustHistory ?? [];
    if (trust.length) {
      await run(HISTORY_SQL.trust, [trust.map((h) => h.agentId), trust.map((h) => h.at), trust.map((h) => h.score), trust.map((h) => h.tier), trust.map((h) => h.reason)]);
    }
    const health = change.healthHistory ?? [];
    if (health.length) {
      await run(HISTORY_SQL.health, [
        health.map((h) => h.agentId),
        health.map((h) => h.at),
        health.map((h) => h.status),
        health.map((h) => h.previousStatus),
        health.map((h) => h.message),
      ]);
    }
    if (change.reportCount) {
      const c = change.reportCount;
      await run(HISTORY_SQL.reportCount, [c.subjectId, c.reporterId, c.windowStart, c.count]);
    }
    const events = change.events;
    if (events.length === 0) return [];
    // Last statement before COMMIT: the counter row lock is held for as short a time as possible.
    const r = await run(EVENT_SQL.append, [
      events.length,
      this.channel,
      events.map((e) => e.type),
      events.map((e) => e.agentId),
      events.map((e) => e.at),
      events.map((e) => e.payload),
    ]);
    const first = Math.min(...r.rows.map((row: { id: number }) => row.id));
    return events.map((e, i) => ({ ...e, id: first + i }));
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
    const rows = await this.read<EventRow>(`select ${EVENT_SQL.select} from events where ${where.join(" and ")} order by id limit $${values.length}`, values);
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
