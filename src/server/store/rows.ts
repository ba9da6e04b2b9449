/**
 * What both stores share besides the migrations: how an agent maps to its table
 * row, and the list query (filters, search, sort, paging), built once with Kysely.
 */
import { searchNeedle, searchText } from "@agentmesh/client";
import { sql, type Kysely } from "kysely";
import { HEALTH_STATUSES, TRUST_TIERS, type HealthStatus, type TrustTier } from "../../shared/agent.js";
import type { AgentCounts, AgentRow, ListOptions } from "./store.js";

/** The `agents` table as the database holds it. */
export interface AgentTable {
  id: string;
  name: string;
  version: string;
  description: string;
  endpoint: string;
  protocol: string;
  skills: string;
  tags: string;
  provider: string | null;
  metadata: string | null;
  tags_index: string;
  skills_index: string;
  search_text: string;
  health_status: string;
  health_message: string | null;
  last_heartbeat_at: number | string | null;
  trust_score: number;
  trust_raw: number;
  trust_updated_at: number | string;
  revision: number | string;
  created_at: number | string;
  updated_at: number | string;
  token_hash: string;
  healthy_since: number | string | null;
  reports_window_start: number | string;
  reports_window_weight: number;
}

export interface Database {
  agents: AgentTable;
}

const index = (values: string[]) => `|${values.map((v) => v.toLowerCase()).join("|")}|`;

export function toTable(row: AgentRow): AgentTable {
  const skillNames = row.skills.map((s) => s.name);
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    description: row.description,
    endpoint: row.endpoint,
    protocol: row.protocol,
    skills: JSON.stringify(row.skills),
    tags: JSON.stringify(row.tags),
    provider: row.provider,
    metadata: row.metadata === null ? null : JSON.stringify(row.metadata),
    tags_index: index(row.tags),
    skills_index: index(skillNames),
    search_text: searchText(row),
    health_status: row.health_status,
    health_message: row.health_message,
    last_heartbeat_at: row.last_heartbeat_at,
    trust_score: row.trust_score,
    trust_raw: row.trust_raw,
    trust_updated_at: row.trust_updated_at,
    revision: row.revision,
    created_at: row.created_at,
    updated_at: row.updated_at,
    token_hash: row.token_hash,
    healthy_since: row.healthy_since,
    reports_window_start: row.reports_window_start,
    reports_window_weight: row.reports_window_weight,
  };
}

const num = (v: number | string) => (typeof v === "number" ? v : Number(v));

export function fromTable(t: AgentTable): AgentRow {
  return {
    id: t.id,
    name: t.name,
    version: t.version,
    description: t.description,
    endpoint: t.endpoint,
    protocol: t.protocol,
    skills: JSON.parse(t.skills),
    tags: JSON.parse(t.tags),
    provider: t.provider,
    metadata: t.metadata === null ? null : JSON.parse(t.metadata),
    health_status: t.health_status as HealthStatus,
    health_message: t.health_message,
    last_heartbeat_at: t.last_heartbeat_at === null ? null : num(t.last_heartbeat_at),
    trust_score: num(t.trust_score),
    trust_raw: num(t.trust_raw),
    trust_updated_at: num(t.trust_updated_at),
    revision: num(t.revision),
    created_at: num(t.created_at),
    updated_at: num(t.updated_at),
    token_hash: t.token_hash,
    healthy_since: t.healthy_since === null ? null : num(t.healthy_since),
    reports_window_start: num(t.reports_window_start),
    reports_window_weight: num(t.reports_window_weight),
  };
}

/** Escapes LIKE wildcards; both stores use `\` as the escape character. */
export function likeEscape(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `column LIKE '%escaped%' ESCAPE '\'`: SQLite has no default escape character, so it is named explicitly. */
const contains = (column: "tags_index" | "skills_index" | "search_text", escaped: string) =>
  sql<boolean>`${sql.ref(column)} like ${`%${escaped}%`} escape '\\'`;

/** The filtered part of the list query, shared by the page and the total. */
export function filteredAgents(db: Kysely<Database>, q: ListOptions) {
  let query = db.selectFrom("agents");
  if (q.health) query = query.where("health_status", "=", q.health);
  if (q.tag) query = query.where(contains("tags_index", `|${likeEscape(q.tag)}|`));
  if (q.skill) query = query.where(contains("skills_index", `|${likeEscape(q.skill)}|`));
  if (q.q) query = query.where(contains("search_text", likeEscape(searchNeedle(q.q))));
  return query;
}

export function listPageQuery(db: Kysely<Database>, q: ListOptions) {
  return filteredAgents(db, q)
    .selectAll()
    .orderBy(q.sort, q.order)
    .orderBy("id", "asc")
    .limit(q.limit)
    .offset(q.offset);
}

export function listCountQuery(db: Kysely<Database>, q: ListOptions) {
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
