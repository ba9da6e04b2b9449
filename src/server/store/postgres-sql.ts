/**
 * A whole commit as ONE SQL statement (a chain of data-modifying CTEs), run in
 * its own implicit transaction: one round trip per write.
 *
 * `m` is the guarded mutation; every other part is conditioned on `m` having
 * matched a row, so the statement applies everything or nothing. The event-id
 * counter is updated (row-locked) inside the statement, after the agent row,
 * and the lock is released at the statement's own commit — the serialised
 * section never waits on the network. Ids are `last_id - n + 1 … last_id`, in
 * the order the events were given; `pg_notify` is queued in the same statement
 * and delivered by PostgreSQL at commit, never for a rollback.
 *
 * The text depends only on the commit's shape (operation, which parts are
 * present), never on values, so each shape is a named statement prepared once
 * per connection.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import { AGENT_COLUMNS } from "./columns.js";
import { toTable, type AgentTable, type Database } from "./rows.js";
import type { Commit, Guard } from "./store.js";

/** Kysely for PostgreSQL that builds SQL text only (the shared queries); it never connects. */
export const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

export interface CommitStatement {
  text: string;
  values: unknown[];
}

/** Result row: `applied` 1 when the mutation matched, `first` the first event id (null without events). */
export interface CommitOutcome {
  applied: number;
  first: number | null;
}

export function commitStatement(change: Commit, channel: string): CommitStatement {
  const values: unknown[] = [];
  const p = (value: unknown, cast = "") => {
    values.push(value);
    return `$${values.length}${cast}`;
  };
  const guard = (g: Guard) =>
    `revision = ${p(g.revision)} and last_heartbeat_at is not distinct from ${p(g.lastHeartbeatAt, "::bigint")}` +
    (g.reportsWindow ? ` and reports_window_start = ${p(g.reportsWindow.start, "::bigint")} and reports_window_weight = ${p(g.reportsWindow.weight, "::float8")}` : "") +
    (g.cardRefreshAt !== undefined ? ` and card_refresh_at is not distinct from ${p(g.cardRefreshAt, "::bigint")}` : "");
  const ctes: string[] = [];
  const m = change.mutation;
  switch (m.op) {
    case "insert": {
      const t = toTable(m.row);
      // A concurrent insert of the same id makes this wait, then do nothing: 0 rows, "exists".
      ctes.push(`m as (insert into agents (${AGENT_COLUMNS.join(", ")}) values (${AGENT_COLUMNS.map((c) => p(t[c as keyof AgentTable])).join(", ")}) on conflict (id) do nothing returning id)`);
      break;
    }
    case "update": {
      const t = toTable(m.row);
      const set = AGENT_COLUMNS.slice(1).map((c) => `${c} = ${p(t[c as keyof AgentTable])}`).join(", ");
      ctes.push(`m as (update agents set ${set} where id = ${p(m.row.id)} and ${guard(m.expect)} returning id)`);
      break;
    }
    case "touch": {
      let set = `last_heartbeat_at = ${p(m.lastHeartbeatAt, "::bigint")}, trust_raw = ${p(m.trustRaw)}, trust_updated_at = ${p(m.trustUpdatedAt)}`;
      if (m.healthySince !== undefined) set += `, healthy_since = ${p(m.healthySince, "::bigint")}`;
      if (m.reportsWindow) set += `, reports_window_start = ${p(m.reportsWindow.start, "::bigint")}, reports_window_weight = ${p(m.reportsWindow.weight, "::float8")}`;
      ctes.push(`m as (update agents set ${set} where id = ${p(m.id)} and ${guard(m.expect)} returning id)`);
      break;
    }
    case "delete":
      ctes.push(
        `m as (delete from agents where id = ${p(m.id)} and ${guard(m.expect)} returning id)`,
        "gone_trust as (delete from trust_history where agent_id in (select id from m))",
        "gone_health as (delete from health_history where agent_id in (select id from m))",
        "gone_reports as (delete from report_counts where subject_id in (select id from m) or reporter_id in (select id from m))",
      );
      break;
  }
  const matched = "exists (select 1 from m)";
  const trust = change.trustHistory ?? [];
  if (trust.length) {
    ctes.push(
      `trust as (insert into trust_history (agent_id, at, score, tier, reason) select * from unnest(${p(trust.map((h) => h.agentId), "::text[]")}, ${p(trust.map((h) => h.at), "::bigint[]")}, ${p(trust.map((h) => h.score), "::float8[]")}, ${p(trust.map((h) => h.tier), "::text[]")}, ${p(trust.map((h) => h.reason), "::text[]")}) where ${matched})`,
    );
  }
  const health = change.healthHistory ?? [];
  if (health.length) {
    ctes.push(
      `health as (insert into health_history (agent_id, at, status, previous_status, message, source, probe) select * from unnest(${p(health.map((h) => h.agentId), "::text[]")}, ${p(health.map((h) => h.at), "::bigint[]")}, ${p(health.map((h) => h.status), "::text[]")}, ${p(health.map((h) => h.previousStatus), "::text[]")}, ${p(health.map((h) => h.message), "::text[]")}, ${p(health.map((h) => h.source ?? null), "::text[]")}, ${p(health.map((h) => (h.probe ? JSON.stringify(h.probe) : null)), "::text[]")}) where ${matched})`,
    );
  }
  const rc = change.reportCount;
  if (rc) {
    ctes.push(
      `reports as (insert into report_counts (subject_id, reporter_id, window_start, count) select ${p(rc.subjectId, "::text")}, ${p(rc.reporterId, "::text")}, ${p(rc.windowStart, "::bigint")}, ${p(rc.count, "::int")} where ${matched} on conflict (subject_id, reporter_id) do update set window_start = excluded.window_start, count = excluded.count)`,
    );
  }
  const events = change.events;
  let first = "null::bigint";
  if (events.length) {
    const n = p(events.length, "::bigint");
    ctes.push(
      `counter as (update event_counter set last_id = last_id + ${n} where one = 1 and ${matched} returning last_id)`,
      `notified as (select pg_notify(${p(channel, "::text")}, last_id::text) from counter)`,
      `appended as (insert into events (id, type, agent_id, at, payload, prior) select counter.last_id - ${n} + e.ord, e.type, e.agent_id, e.at, e.payload, e.prior from counter, notified, unnest(${p(events.map((e) => e.type), "::text[]")}, ${p(events.map((e) => e.agentId), "::text[]")}, ${p(events.map((e) => e.at), "::bigint[]")}, ${p(events.map((e) => e.payload), "::text[]")}, ${p(events.map((e) => e.prior ?? null), "::text[]")}) with ordinality as e(type, agent_id, at, payload, prior, ord) returning id)`,
    );
    first = "(select min(id) from appended)";
  }
  return { text: `with ${ctes.join(",\n  ")}\nselect (select count(*) from m)::int as applied, ${first} as first`, values };
}
