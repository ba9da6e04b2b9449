/**
 * How an agent maps to its table row (the columns come from columns.ts), the
 * tables both stores share, and the list query (filters, search, sort,
 * paging), built once with Kysely.
 */
import type { Kysely } from "kysely";
import { HEALTH_STATUSES, TRUST_TIERS, type HealthStatus, type TrustTier } from "../../shared/agent.js";
import { searchText, termIndex } from "@agentmesh/client";
import { DERIVED_COLUMNS, FIELD_COLUMNS } from "./columns.js";
import { selectorWhere } from "./selector-sql.js";
import type { AgentCounts, AgentRow, ListOptions } from "./store.js";

/** A field as a column holds it: JSON text for lists and objects; PostgreSQL may hand back a bigint as a string. */
type Stored<T> = T extends null ? null : T extends string ? string : T extends number ? number | string : string;

/** The `agents` table as the database holds it (columns.ts). */
export type AgentTable = { [K in keyof AgentRow]: Stored<AgentRow[K]> } & Record<(typeof DERIVED_COLUMNS)[number], string>;

export interface EventsTable {
  id: number;
  type: string;
  agent_id: string;
  at: number;
  payload: string;
  /** The prior record (events/prior.ts) as JSON; null for a registration, and for events written before migration 0008. */
  prior: string | null;
}

export interface HistoryColumns {
  id: number;
  agent_id: string;
  at: number;
}

/** Every table both stores share, for the queries written once (queries.ts). */
export interface Database {
  agents: AgentTable;
  events: EventsTable;
  trust_history: HistoryColumns & { score: number; tier: string; reason: string };
  health_history: HistoryColumns & { status: string; previous_status: string; message: string | null; source: string | null; probe: string | null };
  report_counts: { subject_id: string; reporter_id: string; window_start: number; count: number };
  sessions: { id_hash: string; created_at: number; expires_at: number };
}

export function toTable(row: AgentRow): AgentTable {
  const t: Record<string, unknown> = {};
  for (const { name, kind } of FIELD_COLUMNS) {
    // A field a caller left out is stored as NULL (rows built before a field existed, in tests and tools).
    const value = row[name as keyof AgentRow] ?? null;
    t[name] = kind === "json" && value !== null ? JSON.stringify(value) : value;
  }
  // The indexes the selector's SQL reads, built by the same functions `matches()` uses (shared/selector-match.ts).
  t.tags_index = termIndex(row.tags);
  t.skills_index = termIndex(row.skills.map((s) => s.name));
  t.search_text = searchText(row);
  return t as AgentTable;
}

const num = (v: number | string) => (typeof v === "number" ? v : Number(v));

export function fromTable(t: AgentTable): AgentRow {
  const row: Record<string, unknown> = {};
  for (const { name, kind } of FIELD_COLUMNS) {
    const value = t[name as keyof AgentTable] as string | number | null;
    row[name] = value === null ? null : kind === "json" ? JSON.parse(value as string) : kind === "number" ? num(value) : value;
  }
  return row as unknown as AgentRow;
}

/** The filtered part of the list query, shared by the page and the total: the selector's WHERE clause (selector-sql.ts). */
export function filteredAgents(db: Kysely<Database>, q: Pick<ListOptions, "selector">) {
  return db.selectFrom("agents").where(selectorWhere(q.selector ?? {}));
}

/**
 * One page in the list's order: the sort column, then id. With `after` (a
 * continue token's last key) the page starts strictly after that row in the
 * same order (keyset paging); otherwise at `offset`.
 */
export function listPageQuery(db: Kysely<Database>, q: ListOptions) {
  let query = filteredAgents(db, q);
  const after = q.after;
  if (after) {
    const beyond = q.order === "asc" ? ">" : "<";
    query = query.where((eb) => eb.or([eb(q.sort, beyond, after.key), eb.and([eb(q.sort, "=", after.key), eb("id", ">", after.id)])]));
  }
  return query
    .selectAll()
    .orderBy(q.sort, q.order)
    .orderBy("id", "asc")
    .limit(q.limit)
    .offset(after ? 0 : q.offset);
}

export function listCountQuery(db: Kysely<Database>, q: Pick<ListOptions, "selector">) {
  return filteredAgents(db, q).select((eb) => eb.fn.countAll<number>().as("n"));
}

export function emptyCounts(): AgentCounts {
  return {
    total: 0,
    byHealth: Object.fromEntries(HEALTH_STATUSES.map((s) => [s, 0])) as Record<HealthStatus, number>,
    byTier: Object.fromEntries(TRUST_TIERS.map((t) => [t, 0])) as Record<TrustTier, number>,
  };
}

/** Counts by health and tier in one pass; the tier bounds are those of `trustTier()`. */
export const COUNTS_SQL = `select health_status, case when trust_score >= 0.8 then 'elite' when trust_score >= 0.5 then 'reliable' else 'experimental' end as tier, count(*) as n from agents group by 1, 2`;

export function foldCounts(groups: { health_status: string; tier: string; n: number | string }[]): AgentCounts {
  const counts = emptyCounts();
  for (const g of groups) {
    const n = num(g.n);
    counts.total += n;
    counts.byHealth[g.health_status as HealthStatus] += n;
    counts.byTier[g.tier as TrustTier] += n;
  }
  return counts;
}
