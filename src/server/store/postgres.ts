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
import { Kysely, PostgresDialect, type Compilable, type CompiledQuery } from "kysely";
import pg from "pg";
import { AppError } from "../errors.js";
import { migrateToLatest } from "./migrations.js";
import { channelFor, clientConfig, type PostgresStoreOptions } from "./postgres-config.js";
import { isRetryable, isStaleConnection, toStoreError } from "./postgres-errors.js";
import { PgListener } from "./postgres-listener.js";
import { commitStatement, compiler, type CommitOutcome } from "./postgres-sql.js";
import { createProbeLeases, wrapLeases, type ProbeDatabase, type ProbeLeases } from "./probe-leases.js";
import * as queries from "./queries.js";
import { reapCandidatesQuery, toOfflineAgent } from "./reap-query.js";
import { COUNTS_SQL, foldCounts, fromTable, listCountQuery, listPageQuery, type AgentTable } from "./rows.js";
import {
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

/** The shared queries whose text never varies, compiled once. */
const compiled = queries.compiledQueries(compiler);

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

  /** A shared query's rows (queries.ts), as a named statement unless `prepare` is false. */
  private rows<R>(query: Compilable<R> | CompiledQuery<R>, prepare = true): Promise<R[]> {
    const q = "compile" in query ? query.compile() : query;
    return this.read<R & pg.QueryResultRow>(q.sql, q.parameters as unknown[], prepare);
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
    const [t] = await this.rows(compiled.agentById(id));
    return t && fromTable(t);
  }

  async findAgentByTokenHash(hash: string) {
    const [t] = await this.rows(compiled.agentByTokenHash(hash));
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
    return (await this.rows(compiled.staleAgents(cutoff, limit))).map(fromTable);
  }

  async decayCandidates(before: number, minDistance: number, limit: number) {
    return (await this.rows(compiled.decayCandidates(before, minDistance, limit))).map(fromTable);
  }

  async cardRefreshesDue(now: number, limit: number) {
    return (await this.rows(compiled.cardRefreshesDue(now, limit))).map(fromTable);
  }

  async reapCandidates(offlineBefore: number, limit: number) {
    // Not prepared: `agents.*` would break a cached plan once a later migration adds a column.
    return (await this.rows(reapCandidatesQuery(compiler, offlineBefore, limit), false)).map(toOfflineAgent);
  }

  async trustHistory(agentId: string, limit: number): Promise<TrustHistoryRow[]> {
    return (await this.rows(compiled.trustHistory(agentId, limit))).map(queries.toTrustPoint);
  }

  async healthHistory(agentId: string, limit: number): Promise<HealthHistoryRow[]> {
    return (await this.rows(compiled.healthHistory(agentId, limit))).map(queries.toHealthPoint);
  }

  async reportCount(subjectId: string, reporterId: string): Promise<ReportCount | undefined> {
    const [r] = await this.rows(compiled.reportCount(subjectId, reporterId));
    return r && queries.toReportCount(r);
  }

  /**
   * Commits that write events queue here, one in flight per instance: they all
   * serialise on the counter row anyway, and a queue in this process is far
   * cheaper than a queue of backends waiting on one row lock (every release
   * wakes them all). Commits without events do not queue.
   */
  private eventWriters: Promise<unknown> = Promise.resolve();

  private leases: ProbeLeases | null = null;
  probeLeases(): ProbeLeases {
    // Kysely over the store's own pool (ended with the store); the claim needs FOR UPDATE SKIP LOCKED.
    // Failures as the store's own (toStoreError): an unreachable server is a 503 `store_unavailable`.
    this.leases ??= wrapLeases(createProbeLeases(new Kysely<ProbeDatabase>({ dialect: new PostgresDialect({ pool: this.pool }) }), "postgres"), (_, run) =>
      run().catch((err: unknown) => Promise.reject(toStoreError(err))),
    );
    return this.leases;
  }

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
      return { ok: true, events: first === null ? [] : change.events.map((e, i) => ({ ...e, prior: e.prior ?? null, id: first + i })) };
    }
  }

  async createSession(session: SessionRow): Promise<void> {
    await this.tx(async (client) => {
      for (const query of [queries.expiredSessions(compiler, session.createdAt), queries.insertSession(compiler, session)]) await run(client, query);
    });
  }

  async sessionExpiresAt(idHash: string): Promise<number | undefined> {
    const [r] = await this.rows(compiled.sessionById(idHash));
    return r && Number(r.expires_at);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.rows(compiled.deleteSession(idHash));
  }

  async eventsAfter(after: number, limit: number, filter: EventFilter = {}): Promise<StoredEvent[]> {
    // A filtered read is not prepared, so a connection does not collect one prepared statement per list length.
    return (await this.rows(compiled.eventsAfter(after, limit, filter), !queries.isFiltered(filter))).map(queries.toEvent);
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
      const [{ last_id }] = (await client.query<{ last_id: number }>("select last_id from event_counter")).rows;
      const q = queries.pruneQueries(compiler, last_id, maxEvents, olderThan);
      let deleted = 0;
      for (const d of q.events) deleted += await run(client, d);
      for (const d of q.history) await run(client, d);
      return deleted;
    });
  }
}

/** A shared statement on a transaction's connection; the number of rows it changed. */
async function run(client: pg.PoolClient, query: Compilable<unknown>): Promise<number> {
  const q = query.compile();
  return (await client.query(q.sql, q.parameters as unknown[])).rowCount ?? 0;
}
