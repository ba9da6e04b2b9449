/**
 * The two reads the dashboard repeats at fleet scale, on SQLite: the agents
 * table pages by offset in the list's default order (name, then id), which
 * must walk an index in that order, not sort the fleet in a temporary B-tree
 * for every page (0.5 s for a page near the end of 100,000); and `/stats`
 * counts by health and trust tier, which must read an index only, not every
 * row of the table (0.3 s at 100,000).
 */
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "./migrations.js";
import { COUNTS_SQL, listPageQuery, type Database } from "./rows.js";

const raw = new BetterSqlite3(":memory:");
const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
afterAll(() => db.destroy());

const planOf = (sql: string, parameters: readonly unknown[] = []) =>
  (raw.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map((r) => r.detail).join(" | ");

describe("the dashboard's reads on SQLite", () => {
  it("pages by offset along an index on (name, id), with no temporary sort", async () => {
    await migrateToLatest(db as Kysely<any>, "sqlite");
    const page = listPageQuery(db, { selector: {}, sort: "name", order: "asc", limit: 100, offset: 99_900 }).compile();
    const plan = planOf(page.sql, page.parameters);
    expect(plan).toMatch(/USING (COVERING )?INDEX agents_name_id/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it("counts by health and tier from a covering index", async () => {
    await migrateToLatest(db as Kysely<any>, "sqlite");
    expect(planOf(COUNTS_SQL)).toMatch(/USING COVERING INDEX agents_health_trust/);
  });
});
