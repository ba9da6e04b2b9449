/**
 * The store's reads and housekeeping, written once with Kysely and run by both
 * stores: each function builds a query; the store compiles it and runs it its
 * own way (SQLite: a prepared statement, synchronously; PostgreSQL: a named
 * statement on the pool), then maps the rows with the functions below. What
 * stays per store is what only one dialect does: the commit (group commit in
 * SQLite, one CTE statement in PostgreSQL), where the last event id lives,
 * the advisory lock around pruning, LISTEN.
 */
import { sql, type Compilable, type CompiledQuery, type Kysely } from "kysely";
import type { HealthStatus, TrustTier } from "../../shared/agent.js";
import type { HealthSource, ProbeResult } from "../../shared/events.js";
import { AGENT_COLUMNS } from "./columns.js";
import type { AgentTable, Database, EventsTable } from "./rows.js";
import { HISTORY_PER_AGENT, type EventFilter, type HealthHistoryRow, type ReportCount, type StoredEvent, type TrustHistoryRow } from "./store.js";

type Db = Kysely<Database>;
const columns = AGENT_COLUMNS as (keyof AgentTable)[];

export const agentById = (db: Db, id: string) => db.selectFrom("agents").select(columns).where("id", "=", id);

export const agentByTokenHash = (db: Db, hash: string) => db.selectFrom("agents").select(columns).where("token_hash", "=", hash);

/** When an agent was last heard of: its last heartbeat, or its registration. */
const lastSeen = sql<number>`coalesce(last_heartbeat_at, created_at)`;

/**
 * The sweeper's candidates: agents not offline whose last heartbeat (or
 * registration) and last successful probe are both at or before `cutoff`,
 * except those a passing probe already holds at the status it calls for
 * (domain/probes.ts combineHealth: `healthy` without heartbeats, `degraded`
 * once they stopped). So the candidates are exactly the agents whose status
 * the sweep would change, and a fleet of probe-only agents is not re-read
 * every sweep.
 */
export const staleAgents = (db: Db, cutoff: number, limit: number) =>
  db
    .selectFrom("agents")
    .select(columns)
    .where("health_status", "<>", "offline")
    .where(lastSeen, "<=", cutoff)
    .where((eb) => eb.or([eb("probe_last_ok_at", "is", null), eb("probe_last_ok_at", "<=", cutoff)]))
    .where((eb) =>
      eb.not(
        eb.and([
          // coalesce: `not (null and …)` is null, which would drop every agent without a probe.
          eb(sql<string>`coalesce(probe_state, '')`, "=", "passing"),
          eb.or([
            eb.and([eb("last_heartbeat_at", "is", null), eb("health_status", "=", "healthy")]),
            eb.and([eb("last_heartbeat_at", "is not", null), eb("health_status", "=", "degraded")]),
          ]),
        ]),
      ),
    )
    .orderBy(lastSeen)
    .limit(limit);

export const decayCandidates = (db: Db, before: number, minDistance: number, limit: number) =>
  db.selectFrom("agents").select(columns).where("trust_updated_at", "<", before).where(sql<number>`abs(trust_raw - 0.5)`, ">=", minDistance).limit(limit);

export const cardRefreshesDue = (db: Db, now: number, limit: number) =>
  db.selectFrom("agents").select(columns).where("card_refresh_at", "<=", now).orderBy("card_refresh_at").limit(limit);

/** The columns of each history table, named (as the agent columns are: a prepared `select *` breaks when a migration adds one). */
const HISTORY_COLUMNS = {
  trust_history: ["id", "agent_id", "at", "score", "tier", "reason"],
  health_history: ["id", "agent_id", "at", "status", "previous_status", "message", "source", "probe"],
} as const;

/** The last `limit` rows of an agent's history, oldest first. */
function recent<T extends keyof typeof HISTORY_COLUMNS>(db: Db, table: T, agentId: string, limit: number): Compilable<Database[T]> {
  const newest = (db as Kysely<any>).selectFrom(table as string).select([...HISTORY_COLUMNS[table]] as string[]).where("agent_id", "=", agentId).orderBy("id", "desc").limit(limit);
  return db.selectFrom(newest.as("recent")).selectAll().orderBy("id");
}

export const trustHistory = (db: Db, agentId: string, limit: number) => recent(db, "trust_history", agentId, limit);
export const healthHistory = (db: Db, agentId: string, limit: number) => recent(db, "health_history", agentId, limit);

export const toTrustPoint = (r: Database["trust_history"]): TrustHistoryRow => ({
  agentId: r.agent_id,
  at: r.at,
  score: r.score,
  tier: r.tier as TrustTier,
  reason: r.reason,
});

export const toHealthPoint = (r: Database["health_history"]): HealthHistoryRow => ({
  agentId: r.agent_id,
  at: r.at,
  status: r.status as HealthStatus,
  previousStatus: r.previous_status as HealthStatus,
  message: r.message,
  // Points written before migration 0009 have no cause.
  ...(r.source === null ? {} : { source: r.source as HealthSource }),
  ...(r.probe === null ? {} : { probe: JSON.parse(r.probe) as ProbeResult }),
});

export const reportCount = (db: Db, subjectId: string, reporterId: string) =>
  db.selectFrom("report_counts").selectAll().where("subject_id", "=", subjectId).where("reporter_id", "=", reporterId);

export const toReportCount = (r: Database["report_counts"]): ReportCount => ({
  subjectId: r.subject_id,
  reporterId: r.reporter_id,
  windowStart: r.window_start,
  count: r.count,
});

/** Events after `after`, in id order; an empty filter list means no filter. */
export function eventsAfter(db: Db, after: number, limit: number, filter: EventFilter = {}) {
  let q = db.selectFrom("events").select(["id", "type", "agent_id", "at", "payload", "prior"]).where("id", ">", after);
  if (filter.types?.length) q = q.where("type", "in", [...filter.types]);
  if (filter.agentIds?.length) q = q.where("agent_id", "in", [...filter.agentIds]);
  return q.orderBy("id").limit(limit);
}

export const toEvent = (r: EventsTable): StoredEvent => ({
  id: Number(r.id),
  type: r.type as StoredEvent["type"],
  agentId: r.agent_id,
  at: Number(r.at),
  payload: r.payload,
  prior: r.prior,
});

export const oldestEvent = (db: Db) => db.selectFrom("events").select((eb) => eb.fn.min("id").as("oldest"));

/** Pruning, run in one transaction by each store: the events beyond the newest `maxEvents` or older than `olderThan`, then old history. */
export function pruneQueries(db: Db, lastEventId: number, maxEvents: number, olderThan: number) {
  return {
    events: [db.deleteFrom("events").where("id", "<=", lastEventId - maxEvents), db.deleteFrom("events").where("at", "<", olderThan)],
    history: (["trust_history", "health_history"] as const).map((table) =>
      db.deleteFrom(table).where("id", "in", (eb) =>
        eb
          .selectFrom(
            (db as Kysely<any>)
              .selectFrom(table)
              .select(["id", sql<number>`row_number() over (partition by agent_id order by id desc)`.as("rn")])
              .as("ranked"),
          )
          .select("id")
          .where("rn", ">", HISTORY_PER_AGENT),
      ),
    ),
  };
}

/** Creating a session also deletes those that expired by then (so the table stays small without a timer). */
export const expiredSessions = (db: Db, now: number) => db.deleteFrom("sessions").where("expires_at", "<=", now);
export const insertSession = (db: Db, s: { idHash: string; createdAt: number; expiresAt: number }) =>
  db.insertInto("sessions").values({ id_hash: s.idHash, created_at: s.createdAt, expires_at: s.expiresAt });
export const sessionById = (db: Db, idHash: string) => db.selectFrom("sessions").select("expires_at").where("id_hash", "=", idHash);
export const deleteSession = (db: Db, idHash: string) => db.deleteFrom("sessions").where("id_hash", "=", idHash);

/**
 * A query whose SQL text depends on its shape only, compiled once: a call then
 * builds nothing and only puts its values in place (building and compiling
 * with Kysely costs tens of microseconds, more than running a cached SQLite
 * read). The query is built once with marker values, to learn where each
 * argument lands among the parameters: so a builder used here must pass its
 * arguments to the query unchanged (queries.test.ts checks every one).
 */
function compileOnce<A extends unknown[], R>(db: Db, build: (db: Db, ...args: A) => Compilable<R>, arity: A["length"]): (...args: A) => CompiledQuery<R> {
  const markers = Array.from({ length: arity }, (_, i) => ({ argument: i }));
  const compiled = build(db, ...(markers as unknown as A)).compile();
  const slots = compiled.parameters.map((p) => markers.indexOf(p as (typeof markers)[number]));
  return (...args) => ({ ...compiled, parameters: slots.map((slot, k) => (slot < 0 ? compiled.parameters[k] : args[slot])) });
}

/** The shared queries whose text never varies, compiled once for a store's dialect. */
export function compiledQueries(db: Db) {
  return {
    agentById: compileOnce(db, agentById, 1),
    agentByTokenHash: compileOnce(db, agentByTokenHash, 1),
    staleAgents: compileOnce(db, staleAgents, 2),
    decayCandidates: compileOnce(db, decayCandidates, 3),
    cardRefreshesDue: compileOnce(db, cardRefreshesDue, 2),
    trustHistory: compileOnce(db, trustHistory, 2),
    healthHistory: compileOnce(db, healthHistory, 2),
    reportCount: compileOnce(db, reportCount, 2),
    sessionById: compileOnce(db, sessionById, 1),
    deleteSession: compileOnce(db, deleteSession, 1),
    eventsAfter: eventsAfterOnce(db),
  };
}

/** Whether an event read filters (its text then depends on how many types and ids it lists). */
export const isFiltered = (filter: EventFilter = {}) => Boolean(filter.types?.length || filter.agentIds?.length);

/** The unfiltered read compiled once; a filtered one compiled per call. */
function eventsAfterOnce(db: Db) {
  const unfiltered = compileOnce(db, (db: Db, after: number, limit: number) => eventsAfter(db, after, limit), 2);
  return (after: number, limit: number, filter: EventFilter = {}) => (isFiltered(filter) ? eventsAfter(db, after, limit, filter).compile() : unfiltered(after, limit));
}
