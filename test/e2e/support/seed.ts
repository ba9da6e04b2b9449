/**
 * Seeds a large fleet straight into a SQLite file, in one transaction, with
 * the store's own row mapping (`toTable`, `AGENT_COLUMNS`): a hundred thousand
 * agents take seconds, where registering them over HTTP would take many
 * minutes. The file is migrated first through the store, so the server that
 * opens it afterwards finds its schema current. No events are written: the
 * seeded agents are the state before the page opens. Nothing heartbeats for
 * them, so open the file with a long `offline-after` (an hour) unless a
 * stampede of offline transitions is what is measured.
 */
import Database from "better-sqlite3";
import { openStore } from "../../../src/server/store/open.js";
import { AGENT_COLUMNS } from "../../../src/server/store/columns.js";
import { agent, T0 } from "../../../src/server/store/contract-fixtures.js";
import { toTable } from "../../../src/server/store/rows.js";
import type { AgentRow } from "../../../src/server/store/store.js";

const HEALTH = ["healthy", "healthy", "healthy", "degraded", "unhealthy", "offline", "unknown"] as const;
const PROTOCOLS = ["a2a", "mcp", "http", "grpc", "websocket", "custom"] as const;
const WORDS = ["search", "ocr", "planner", "translate", "summarize", "vision", "audio", "billing", "geo", "support"];

/** The `i`-th seeded agent: `seed-000042`, spread over health, trust, protocols and tags (deterministic). */
export function seededAgent(i: number, now = T0): AgentRow {
  const id = `seed-${String(i).padStart(6, "0")}`;
  const word = WORDS[i % WORDS.length];
  const trust = Math.round(((i * 7919) % 1000) / 10) / 100;
  const health = HEALTH[i % HEALTH.length];
  return agent(id, {
    name: `${word} agent ${i}`,
    protocol: PROTOCOLS[i % PROTOCOLS.length],
    tags: [word, i % 2 ? "prod" : "beta"],
    skills: [{ name: word, description: `${word} things` }],
    provider: `provider-${i % 50}`,
    health_status: health,
    // Heard from just now: a server opening the file with a long `offline-after` sweeps none of them.
    last_heartbeat_at: health === "unknown" ? null : now,
    trust_score: trust,
    trust_raw: trust,
    trust_updated_at: now,
    // The sweeper reads an agent that never heartbeated as last seen at its creation: those were
    // registered within the last half hour, or an hour's `offline-after` would sweep thousands at start.
    created_at: health === "unknown" ? now - (i % 1800) * 1000 : now - i * 1000,
    updated_at: now - (i % 3600) * 1000,
    token_hash: `seeded-${i}`,
  });
}

/** Creates (or migrates) the SQLite file at `file` and inserts `count` agents in one transaction. */
export async function seedFleet(file: string, count: number, now = Date.now()): Promise<void> {
  const store = await openStore({ database: `sqlite:${file}`, dbPoolSize: 1 });
  await store.migrate();
  await store.close();
  const db = new Database(file);
  try {
    const columns = AGENT_COLUMNS;
    const insert = db.prepare(`insert into agents (${columns.join(", ")}) values (${columns.map((c) => `@${c}`).join(", ")})`);
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(toTable(seededAgent(i, now)) as unknown as Record<string, unknown>);
    })();
  } finally {
    db.close();
  }
}
