/**
 * Versioned schema migrations, shared by both stores (Kysely's schema builder
 * speaks both dialects). They run at start-up through Kysely's Migrator, which
 * takes a lock first, so several instances starting at once apply each
 * migration exactly once.
 */
import { Kysely, Migrator, sql, type Migration, type MigrationProvider } from "kysely";

export type Dialect = "sqlite" | "postgres";

function migrations(dialect: Dialect): Record<string, Migration> {
  const big = dialect === "postgres" ? "bigint" : "integer";
  const float = dialect === "postgres" ? "double precision" : "real";
  return {
    "0001_initial": {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("agents")
          .addColumn("id", "text", (c) => c.primaryKey())
          // Byte order on both databases, whatever the PostgreSQL database's locale: sort by name agrees across stores.
          .addColumn("name", "text", (c) => (dialect === "postgres" ? c.notNull().modifyFront(sql`collate "C"`) : c.notNull()))
          .addColumn("version", "text", (c) => c.notNull())
          .addColumn("description", "text", (c) => c.notNull())
          .addColumn("endpoint", "text", (c) => c.notNull())
          .addColumn("protocol", "text", (c) => c.notNull())
          .addColumn("skills", "text", (c) => c.notNull())
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("provider", "text")
          .addColumn("metadata", "text")
          // Lower-cased `|a|b|` strings: portable exact-match filters with LIKE on both databases.
          .addColumn("tags_index", "text", (c) => c.notNull())
          .addColumn("skills_index", "text", (c) => c.notNull())
          .addColumn("search_text", "text", (c) => c.notNull())
          .addColumn("health_status", "text", (c) => c.notNull())
          .addColumn("health_message", "text")
          .addColumn("last_heartbeat_at", big)
          .addColumn("trust_score", float, (c) => c.notNull())
          .addColumn("trust_raw", float, (c) => c.notNull())
          .addColumn("trust_updated_at", big, (c) => c.notNull())
          .addColumn("revision", big, (c) => c.notNull())
          .addColumn("created_at", big, (c) => c.notNull())
          .addColumn("updated_at", big, (c) => c.notNull())
          .addColumn("token_hash", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("agents_token_hash").on("agents").column("token_hash").execute();
        for (const col of ["health_status", "trust_score", "updated_at", "created_at", "name"]) {
          await db.schema.createIndex(`agents_${col}`).on("agents").column(col).execute();
        }

        let events = db.schema.createTable("events");
        events =
          dialect === "postgres"
            ? events.addColumn("id", "bigint", (c) => c.primaryKey())
            : events.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
        await events
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("agent_id", "text", (c) => c.notNull())
          .addColumn("at", big, (c) => c.notNull())
          .addColumn("payload", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("events_agent").on("events").columns(["agent_id", "id"]).execute();
        await db.schema.createIndex("events_at").on("events").column("at").execute();

        for (const table of ["trust_history", "health_history"]) {
          let t = db.schema.createTable(table);
          t =
            dialect === "postgres"
              ? t.addColumn("id", "bigserial", (c) => c.primaryKey())
              : t.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
          t = t.addColumn("agent_id", "text", (c) => c.notNull()).addColumn("at", big, (c) => c.notNull());
          t =
            table === "trust_history"
              ? t
                  .addColumn("score", float, (c) => c.notNull())
                  .addColumn("tier", "text", (c) => c.notNull())
                  .addColumn("reason", "text", (c) => c.notNull())
              : t
                  .addColumn("status", "text", (c) => c.notNull())
                  .addColumn("previous_status", "text", (c) => c.notNull())
                  .addColumn("message", "text");
          await t.execute();
          await db.schema.createIndex(`${table}_agent`).on(table).columns(["agent_id", "id"]).execute();
        }

        await db.schema
          .createTable("report_counts")
          .addColumn("subject_id", "text", (c) => c.notNull())
          .addColumn("reporter_id", "text", (c) => c.notNull())
          .addColumn("window_start", big, (c) => c.notNull())
          .addColumn("count", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("report_counts_pk", ["subject_id", "reporter_id"])
          .execute();

        if (dialect === "postgres") {
          // The id allocator: one row, updated inside each writing transaction. The row
          // lock serialises allocation and a rollback undoes it, so ids are gapless in
          // commit order as readers see them.
          await db.schema
            .createTable("event_counter")
            .addColumn("one", "integer", (c) => c.primaryKey())
            .addColumn("last_id", "bigint", (c) => c.notNull())
            .execute();
          await sql`insert into event_counter (one, last_id) values (1, 0)`.execute(db);
        }
      },
    },
    // Dashboard sessions live in the database so that every instance on one
    // PostgreSQL knows them and sign-out ends a session everywhere. Only a keyed
    // hash of the session id is stored: a copy of the table signs nobody in.
    "0002_sessions": {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("sessions")
          .addColumn("id_hash", "text", (c) => c.primaryKey())
          .addColumn("created_at", big, (c) => c.notNull())
          .addColumn("expires_at", big, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("sessions_expires_at").on("sessions").column("expires_at").execute();
      },
    },
    // Sybil resistance (domain/trust.ts): a reporter's run of healthy heartbeats, and each
    // agent's window of reports. Columns with defaults, so rows of a running older version stay valid.
    "0003_trust_standing": {
      async up(db: Kysely<any>) {
        await db.schema.alterTable("agents").addColumn("healthy_since", big).execute();
        await db.schema.alterTable("agents").addColumn("reports_window_start", big, (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable("agents").addColumn("reports_window_weight", float, (c) => c.notNull().defaultTo(0)).execute();
      },
    },
    // Active probes (store/probe-leases.ts): one row per probed agent with its resolved probe, when it is
    // next due, the lease of the instance probing it, the damped state, and a ring of recent results.
    "0005_probes": {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("probes")
          .addColumn("agent_id", "text", (c) => c.primaryKey())
          .addColumn("config", "text", (c) => c.notNull())
          .addColumn("due_at", big, (c) => c.notNull())
          .addColumn("lease_owner", "text")
          .addColumn("lease_until", big)
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("consecutive_failures", "integer", (c) => c.notNull())
          .addColumn("consecutive_successes", "integer", (c) => c.notNull())
          .addColumn("failing_since", big)
          .addColumn("last_ok_at", big)
          .addColumn("last_result", "text")
          .addColumn("recent", "text", (c) => c.notNull())
          .addColumn("pending_transition", "text")
          .execute();
        await db.schema.createIndex("probes_due_at").on("probes").column("due_at").execute();
      },
    },
    // A2A cards (registry/card-source.ts, card-refresher.ts): the URL an agent was registered from, the
    // card as published, its validators, when it is next refreshed and why the last refresh failed.
    // Nullable columns: rows of a running older version (native registrations) stay valid.
    "0006_a2a_cards": {
      async up(db: Kysely<any>) {
        for (const column of ["card_url", "a2a_card", "card_etag", "card_last_modified", "card_error"]) {
          await db.schema.alterTable("agents").addColumn(column, "text").execute();
        }
        await db.schema.alterTable("agents").addColumn("card_refresh_at", big).execute();
        await db.schema.createIndex("agents_card_refresh_at").on("agents").column("card_refresh_at").execute();
      },
    },
    // Standing queries (docs/selectors.md): each event keeps the selector fields its agent had before
    // the change, as JSON beside the payload. Nullable: events written before this have none, and a
    // selector stream that meets one answers with a reset rather than a guessed `match`.
    "0008_event_prior": {
      async up(db: Kysely<any>) {
        await db.schema.alterTable("events").addColumn("prior", "text").execute();
      },
    },
    // Probes wired into health (domain/probes.ts combineHealth): the agent's probe and its damped state as of
    // its last change, what the last heartbeat reported, and why the agent has its status; and on each health
    // history point what caused it (heartbeat, probe, sweep) with the probe result. Nullable: rows of a
    // running older version (no probe, never combined) stay valid and read as "no probe".
    "0009_probe_health": {
      async up(db: Kysely<any>) {
        for (const column of ["probe", "probe_state", "probe_error", "reported_status", "health_reason"]) {
          await db.schema.alterTable("agents").addColumn(column, "text").execute();
        }
        for (const column of ["probe_failing_since", "probe_last_ok_at"]) {
          await db.schema.alterTable("agents").addColumn(column, big).execute();
        }
        await db.schema.alterTable("health_history").addColumn("source", "text").execute();
        await db.schema.alterTable("health_history").addColumn("probe", "text").execute();
      },
    },
    // Two reads of the dashboard at fleet scale, measured on SQLite with 100,000 agents:
    // - the list's default order is `name, id` (rows.ts listPageQuery). On `name` alone SQLite sorted
    //   every row's id in a temporary B-tree to skip an offset: the last page took 0.5 s, 5 ms on (name, id);
    // - `/stats` counts by health and trust tier (rows.ts COUNTS_SQL), read again after events: on
    //   `health_status` alone it read every row from the table (0.3 s), on (health_status, trust_score)
    //   the index alone (37 ms).
    // Each index serves whatever used the one-column index it replaces.
    "0010_dashboard_indexes": {
      async up(db: Kysely<any>) {
        await db.schema.createIndex("agents_name_id").on("agents").columns(["name", "id"]).execute();
        await db.schema.dropIndex("agents_name").execute();
        await db.schema.createIndex("agents_health_trust").on("agents").columns(["health_status", "trust_score"]).execute();
        await db.schema.dropIndex("agents_health_status").execute();
      },
    },
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations() {
    return migrations(this.dialect);
  }
}

/**
 * `schema` (PostgreSQL): where Kysely keeps its migration tables. Needed when
 * several schemas share a database: without it Kysely's "does the table
 * exist" check looks in every schema and skips creating ours.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const why = error instanceof Error ? error.message : String(error ?? failed?.migrationName);
    throw new Error(`database migration failed: ${why}`);
  }
}
