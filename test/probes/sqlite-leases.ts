/** Test only: probe leases on a real SQLite file (WAL), migrated, as an instance of the store would hold them. */
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { migrateToLatest } from "../../src/server/store/migrations.js";
import { createProbeLeases, type ProbeDatabase, type ProbeLeases } from "../../src/server/store/probe-leases.js";

export async function openSqliteLeases(file: string, migrate = true): Promise<{ db: Kysely<ProbeDatabase>; leases: ProbeLeases }> {
  const raw = new BetterSqlite3(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma("busy_timeout = 5000");
  const db = new Kysely<ProbeDatabase>({ dialect: new SqliteDialect({ database: raw }) });
  if (migrate) await migrateToLatest(db as Kysely<any>, "sqlite");
  return { db, leases: createProbeLeases(db, "sqlite") };
}
