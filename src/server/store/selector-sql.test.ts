/**
 * `matches()` and the store's SQL agree: random agents written through a real
 * store (a SQLite file; a fresh PostgreSQL schema), then several hundred
 * random selectors, each answered by `selectorWhere` on the database and by
 * `matches()` on the rows read back. Also: today's list filters (`health`,
 * `tag`, `skill`, `q`) parsed as a selector list what `listAgents` lists, so
 * old URLs keep their meaning.
 */
import BetterSqlite3 from "better-sqlite3";
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from "kysely";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRandom } from "../../cli/sim/random.js";
import { parseSelector, type Selector } from "../../shared/selector.js";
import { matches } from "../../shared/selector-match.js";
import { createSchema } from "../../../test/scale/pg.js";
import { HEALTH, randomAgent, randomSelector } from "../../../test/selector-cases.js";
import { toPublic } from "../registry/snapshot.js";
import { agent as agentRow } from "./contract-fixtures.js";
import { openPostgresStore } from "./postgres.js";
import { fromTable, type Database } from "./rows.js";
import { selectorWhere } from "./selector-sql.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

/**
 * The list filters as the store ran them before selectors (one health status,
 * one tag, one skill, `q`), kept here as the reference that old URLs are
 * measured against.
 */
async function legacyList(db: Kysely<Database>, q: Record<string, string>): Promise<string[]> {
  const escape = (text: string) => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  const contains = (column: "tags_index" | "skills_index" | "search_text", escaped: string) => sql<boolean>`${sql.ref(column)} like ${`%${escaped}%`} escape '\\'`;
  let query = db.selectFrom("agents");
  if (q.health) query = query.where("health_status", "=", q.health);
  if (q.tag) query = query.where(contains("tags_index", `|${escape(q.tag)}|`));
  if (q.skill) query = query.where(contains("skills_index", `|${escape(q.skill)}|`));
  if (q.q) query = query.where(contains("search_text", escape(q.q)));
  return (await query.select("id").execute()).map((r) => r.id);
}

const AGENTS = 150;
const SELECTORS = 400;

interface Opened {
  store: Store;
  db: Kysely<Database>;
  close(): Promise<void>;
}

/** The store and a Kysely of our own on its database; closing also removes the data. */
function opened(store: Store, db: Kysely<Database>, remove: () => unknown): Opened {
  return {
    store,
    db,
    async close() {
      await db.destroy();
      await store.close();
      await remove();
    },
  };
}

async function openSqlite(): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-selector-"));
  const file = join(dir, "agentmesh.db");
  const store = await openSqliteStore(file);
  await store.migrate();
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file, { readonly: true }) }) });
  return opened(store, db, () => rmSync(dir, { recursive: true, force: true }));
}

async function openPostgres(): Promise<Opened> {
  const schema = await createSchema();
  const store = await openPostgresStore(schema.url, { poolSize: 2 });
  await store.migrate();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url, max: 2 }) }) });
  return opened(store, db, () => schema.drop());
}

const sorted = (ids: string[]) => [...ids].sort();

for (const [dialect, open] of [
  ["sqlite", openSqlite],
  ["postgres", openPostgres],
] as const) {
  describe(`selector SQL on ${dialect}`, () => {
    let fixture: Opened;
    let agents: Agent[];
    const rng = createRandom(`selector-sql/${dialect}`);

    beforeAll(async () => {
      fixture = await open();
      for (let n = 0; n < AGENTS; n++) {
        const shape = randomAgent(rng, n);
        const r = await fixture.store.commit({ mutation: { op: "insert", row: agentRow(shape.id, { ...shape, trust_raw: shape.trust_score }) }, events: [] });
        expect(r.ok).toBe(true);
      }
      // What the database holds, read back: matches() judges the stored rows, not what was sent.
      agents = (await fixture.db.selectFrom("agents").selectAll().execute()).map((t) => toPublic(fromTable(t)));
      expect(agents).toHaveLength(AGENTS);
    });
    afterAll(() => fixture?.close());

    const selected = async (selector: Selector) =>
      sorted((await fixture.db.selectFrom("agents").where(selectorWhere(selector)).select("id").execute()).map((r) => r.id));

    it(`answers ${SELECTORS} random selectors exactly as matches() does`, async () => {
      let partial = 0;
      for (let i = 0; i < SELECTORS; i++) {
        const selector = randomSelector(rng, agents);
        const expected = sorted(agents.filter((a) => matches(selector, a)).map((a) => a.id));
        expect(await selected(selector), `case ${i}: ${JSON.stringify(selector)}`).toEqual(expected);
        if (expected.length > 0 && expected.length < AGENTS) partial++;
      }
      // Not a vacuous agreement on "nothing" or "everything".
      expect(partial).toBeGreaterThan(SELECTORS / 2);
    });

    it("an empty selector selects every agent", async () => {
      expect(await selected({})).toHaveLength(AGENTS);
    });

    it("text compares as JavaScript lower-cases it, not by the database's own folding", async () => {
      // [stored as name and tag, selector, selected]. SQLite's LIKE folds only A–Z and PostgreSQL's LIKE nothing;
      // toLowerCase maps É to é on both, and keeps Unicode's context rules: a final Σ lowers to ς, İ to i + U+0307.
      const cases: [string, Selector, boolean][] = [
        ["ÉCOLE", { q: "école" }, true],
        ["école", { q: "ÉCOLE" }, true],
        ["ΟΔΟΣΑ", { q: "οδοσ" }, true],
        ["ΟΔΟΣΑ", { q: "ΟΔΟΣ" }, false],
        ["İzmir", { q: "izmir" }, false],
        ["Straße", { q: "STRASSE" }, false],
        ["ÉCOLE", { tag: ["école"] }, true],
        ["ΟΔΟΣ", { tag: ["ΟΔΟΣ"] }, true],
        ["ΟΔΟΣ", { tag: ["οδος"] }, true],
        ["ΟΔΟΣ", { tag: ["οδοσ"] }, false],
      ];
      for (const [n, [stored, selector, expected]] of cases.entries()) {
        const id = `fold-${n}`;
        const r = await fixture.store.commit({ mutation: { op: "insert", row: agentRow(id, { name: stored, description: "", tags: [stored], skills: [] }) }, events: [] });
        expect(r.ok).toBe(true);
        const subject = toPublic((await fixture.store.getAgent(id))!);
        const what = `${stored} ~ ${JSON.stringify(selector)}`;
        expect(matches(selector, subject), `matches: ${what}`).toBe(expected);
        expect((await selected(selector)).includes(id), `SQL: ${what}`).toBe(expected);
      }
    });

    it("today's list filters, read as a selector, list exactly what listAgents lists (old URLs keep their meaning)", async () => {
      let partial = 0;
      for (let i = 0; i < 60; i++) {
        const full = randomSelector(rng, agents);
        const query: Record<string, string> = {};
        if (rng.chance(0.5)) query.health = rng.pick(HEALTH);
        if (full.tag && rng.chance(0.7)) query.tag = full.tag[0];
        if (full.skill && rng.chance(0.7)) query.skill = full.skill[0];
        if (full.q !== undefined) query.q = full.q;
        if (rng.chance(0.1)) query.tag = "";
        const parsed = parseSelector(query);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
        const expected = sorted(await legacyList(fixture.db, query));
        const listed = await fixture.store.listAgents({ selector: parsed.selector, sort: "name", order: "asc", limit: 1000, offset: 0 });
        expect(sorted(listed.rows.map((r) => r.id)), JSON.stringify(query)).toEqual(expected);
        expect(await selected(parsed.selector), JSON.stringify(query)).toEqual(expected);
        if (expected.length > 0 && expected.length < AGENTS) partial++;
      }
      expect(partial).toBeGreaterThan(10);
    });
  });
}

describe("selector SQL text", () => {
  /** SQL text only, never connected. */
  const compilerFor = (dialect: "sqlite" | "postgres") =>
    new Kysely<Database>({
      dialect: {
        createAdapter: () => (dialect === "sqlite" ? new SqliteAdapter() : new PostgresAdapter()),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => (dialect === "sqlite" ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
        createQueryCompiler: () => (dialect === "sqlite" ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
      },
    });

  it("is the same statement on both databases, but for placeholders", () => {
    const selector: Selector = { protocol: ["a2a", "mcp"], tag: ["x", "y"], skill: ["s"], health: ["healthy"], tier: ["elite", "experimental"], min_trust: 0.3, provider: "P", q: "50%_off" };
    const [lite, pg_] = (["sqlite", "postgres"] as const).map((d) => compilerFor(d).selectFrom("agents").where(selectorWhere(selector)).select("id").compile());
    expect(pg_.sql.replace(/\$\d+/g, "?")).toBe(lite.sql);
    expect(pg_.parameters).toEqual(lite.parameters);
    expect(lite.parameters).toContain("%50\\%\\_off%");
  });
});
