/**
 * The shared queries compiled once must be exactly the queries built afresh:
 * same text, same parameters in the same places, on both dialects. (What they
 * return is the store contract's business, run against both stores.)
 */
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, type Compilable } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { compiler as postgres } from "./postgres-sql.js";
import * as queries from "./queries.js";
import type { Database } from "./rows.js";

const sqlite = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(":memory:") }) });
afterAll(() => sqlite.destroy());

type Db = Kysely<Database>;
/** Each compiled-once query with distinct arguments, and the same query built afresh. */
const cases: [keyof ReturnType<typeof queries.compiledQueries>, unknown[], (db: Db) => Compilable<unknown>][] = [
  ["agentById", ["a-1"], (db) => queries.agentById(db, "a-1")],
  ["agentByTokenHash", ["f00d"], (db) => queries.agentByTokenHash(db, "f00d")],
  ["staleAgents", [1234, 7], (db) => queries.staleAgents(db, 1234, 7)],
  ["decayCandidates", [99, 0.05, 3], (db) => queries.decayCandidates(db, 99, 0.05, 3)],
  ["trustHistory", ["b", 11], (db) => queries.trustHistory(db, "b", 11)],
  ["healthHistory", ["c", 12], (db) => queries.healthHistory(db, "c", 12)],
  ["reportCount", ["subject", "reporter"], (db) => queries.reportCount(db, "subject", "reporter")],
  ["sessionById", ["hash"], (db) => queries.sessionById(db, "hash")],
  ["deleteSession", ["hash2"], (db) => queries.deleteSession(db, "hash2")],
  ["eventsAfter", [41, 500], (db) => queries.eventsAfter(db, 41, 500)],
  ["eventsAfter", [41, 500, { types: ["agent_updated"], agentIds: ["x", "y"] }], (db) => queries.eventsAfter(db, 41, 500, { types: ["agent_updated"], agentIds: ["x", "y"] })],
];

describe.each([
  ["sqlite", sqlite],
  ["postgres", postgres],
] as const)("queries compiled once (%s)", (_, db) => {
  const compiled = queries.compiledQueries(db);
  it.each(cases)("%s gives the text and parameters of a fresh build", (name, args, fresh) => {
    const once = (compiled[name] as (...a: unknown[]) => { sql: string; parameters: readonly unknown[] })(...args);
    const built = fresh(db).compile();
    expect(once.sql).toBe(built.sql);
    expect(once.parameters).toEqual(built.parameters);
    // Called again with other values: nothing of the first call stays.
    const again = (compiled[name] as (...a: unknown[]) => { parameters: readonly unknown[] })(...args.map((a) => (typeof a === "number" ? a + 1 : a)));
    expect(again.parameters).toEqual(built.parameters.map((p) => (typeof p === "number" && args.includes(p) ? p + 1 : p)));
  });
});
