/**
 * The reaper's query, written once for both stores (Kysely compiles the
 * placeholders for each dialect).
 *
 * How long an agent has been offline is counted from the moment its offline
 * transition committed — its latest health history row (history is trimmed
 * by count per agent, and an offline agent adds none) — not from its last
 * heartbeat: after the registry itself was down, the agents it could not hear
 * from are marked offline when it comes back and get the full
 * `--deregister-after` to return. An agent with no health history at all
 * counts from its last update.
 *
 * The offline transition never precedes the last sign of life, so
 * `coalesce(last_heartbeat_at, created_at) <= before` is a cheap first cut
 * that spares the history look-up for agents that went quiet recently.
 */
import { sql, type Kysely } from "kysely";
import { fromTable, type AgentTable, type Database } from "./rows.js";
import type { OfflineAgent } from "./store.js";

/** A row of the reaper's query: the agent's columns and when it went offline. */
export type OfflineRow = AgentTable & { offline_since: number | string };

export function reapCandidatesQuery(db: Kysely<Database>, offlineBefore: number, limit: number) {
  return sql<OfflineRow>`
    select * from (
      select agents.*, coalesce(
        (select h.at from health_history h where h.agent_id = agents.id order by h.id desc limit 1),
        agents.updated_at
      ) as offline_since
      from agents
      where agents.health_status = 'offline' and coalesce(agents.last_heartbeat_at, agents.created_at) <= ${offlineBefore}
    ) as offline
    where offline_since <= ${offlineBefore}
    order by offline_since, id
    limit ${limit}`.compile(db);
}

export function toOfflineAgent(r: OfflineRow): OfflineAgent {
  return { row: fromTable(r), offlineSince: Number(r.offline_since) };
}
