/**
 * The agents table derived from the field tables: every field has a column
 * and a storage kind that follows from its schema, and a row survives the trip
 * to the table and back with every field set.
 */
import type BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { CARD_FIELD_NAMES } from "../../shared/agent.js";
import { AGENT_COLUMNS, FIELD_COLUMNS, REGISTRY_FIELDS } from "./columns.js";
import { agent } from "./contract-fixtures.js";
import { fromTable, toTable } from "./rows.js";
import { openSqliteStore } from "./sqlite.js";

describe("agent columns", () => {
  it("name every card and registry field once, after the id", () => {
    expect(FIELD_COLUMNS.map((c) => c.name)).toEqual(["id", ...CARD_FIELD_NAMES, ...Object.keys(REGISTRY_FIELDS)]);
    expect(new Set(AGENT_COLUMNS).size).toBe(AGENT_COLUMNS.length);
  });

  it("store strings and enums as text, numbers as numbers, lists and objects as JSON, whether nullable or not", () => {
    const kind = Object.fromEntries(FIELD_COLUMNS.map((c) => [c.name, c.kind]));
    expect(kind).toMatchObject({
      id: "text",
      name: "text",
      protocol: "text",
      provider: "text",
      skills: "json",
      tags: "json",
      metadata: "json",
      health_status: "text",
      health_message: "text",
      last_heartbeat_at: "number",
      trust_score: "number",
      revision: "number",
      healthy_since: "number",
    });
  });

  it("are exactly the columns the migrations create", async () => {
    let raw: BetterSqlite3.Database | undefined;
    const store = await openSqliteStore(":memory:", { onOpen: (db) => (raw = db) });
    try {
      await store.migrate();
      const columns = (raw!.prepare("pragma table_info(agents)").all() as { name: string }[]).map((c) => c.name);
      expect([...columns].sort()).toEqual([...AGENT_COLUMNS].sort());
    } finally {
      await store.close();
    }
  });

  it("carry a row with every field set to the table and back; numbers PostgreSQL hands back as strings are numbers again", () => {
    const row = agent("full", {
      provider: "acme",
      metadata: { nested: { list: [1, "two"] } },
      skills: [{ name: "s", description: "d", tags: ["x"] }],
      health_status: "degraded",
      health_message: "slow",
      last_heartbeat_at: 123,
      healthy_since: 100,
      trust_raw: 0.61,
    });
    const table = toTable(row);
    expect(table.metadata).toBe(JSON.stringify(row.metadata));
    expect(table.skills_index).toBe("|s|");
    expect(fromTable(table)).toEqual(row);
    expect(fromTable({ ...table, revision: "7", last_heartbeat_at: "123" })).toMatchObject({ revision: 7, last_heartbeat_at: 123 });
  });
});
