/**
 * The fixed SQL of the PostgreSQL store's write path. Each text is prepared
 * once per connection (named statements), so a commit is a few round trips of
 * already-planned statements.
 */
import type { AgentTable } from "./rows.js";

const COLUMNS = [
  "id", "name", "version", "description", "endpoint", "protocol", "skills", "tags", "provider", "metadata",
  "tags_index", "skills_index", "search_text", "health_status", "health_message", "last_heartbeat_at",
  "trust_score", "trust_raw", "trust_updated_at", "revision", "created_at", "updated_at", "token_hash",
] as const satisfies readonly (keyof AgentTable)[];

const n = COLUMNS.length;
/** The guard: the revision and last heartbeat the writer read (null-safe comparison). */
const guard = (rev: number) => `revision = $${rev} and last_heartbeat_at is not distinct from $${rev + 1}`;

export const AGENT_SQL = {
  columns: COLUMNS,
  /** 0 rows: the id is taken (also when a concurrent insert of it commits first). */
  insert: `insert into agents (${COLUMNS.join(", ")}) values (${COLUMNS.map((_, i) => `$${i + 1}`).join(", ")}) on conflict (id) do nothing`,
  update: `update agents set ${COLUMNS.slice(1).map((c, i) => `${c} = $${i + 2}`).join(", ")} where id = $1 and ${guard(n + 1)}`,
  touch: `update agents set last_heartbeat_at = $2, trust_raw = $3, trust_updated_at = $4 where id = $1 and ${guard(5)}`,
  /** The agent, its history and its report counts, in one statement; `n` is 1 when the guarded delete matched. */
  delete: `with gone as (delete from agents where id = $1 and ${guard(2)} returning id),
    t as (delete from trust_history where agent_id in (select id from gone)),
    h as (delete from health_history where agent_id in (select id from gone)),
    r as (delete from report_counts where subject_id in (select id from gone) or reporter_id in (select id from gone))
    select count(*) as n from gone`,
};

export const HISTORY_SQL = {
  trust: "insert into trust_history (agent_id, at, score, tier, reason) select * from unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[])",
  health:
    "insert into health_history (agent_id, at, status, previous_status, message) select * from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])",
  reportCount:
    "insert into report_counts (subject_id, reporter_id, window_start, count) values ($1, $2, $3, $4) on conflict (subject_id, reporter_id) do update set window_start = excluded.window_start, count = excluded.count",
};

export interface EventRow {
  id: number;
  type: string;
  agent_id: string;
  at: number;
  payload: string;
}

export const EVENT_SQL = {
  select: "id, type, agent_id, at, payload",
  /**
   * Allocates `$1` ids from the counter (row-locked until COMMIT), inserts the
   * events with them in input order, and queues the NOTIFY that PostgreSQL
   * sends at commit. Ids: last_id - n + 1 … last_id.
   */
  append: `with c as (update event_counter set last_id = last_id + $1 where one = 1 returning last_id),
    notified as (select pg_notify($2, (select last_id from c)::text))
    insert into events (id, type, agent_id, at, payload)
    select c.last_id - $1 + e.ord, e.type, e.agent_id, e.at, e.payload
    from c, notified, unnest($3::text[], $4::text[], $5::bigint[], $6::text[]) with ordinality as e(type, agent_id, at, payload, ord)
    returning id`,
};
