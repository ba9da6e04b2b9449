/**
 * Building blocks of the store contract suite (contract.ts): what a store under
 * test is handed over as, and small factories for rows and events.
 */
import type { EventType } from "../../shared/events.js";
import { heldCard } from "../registry/card.js";
import { NO_PROBE, NO_PUBLISHED_CARD } from "./columns.js";
import type { AgentRow, Guard, NewEvent, Store } from "./store.js";

/** A migrated, empty store under test. */
export interface StoreFixture {
  store: Store;
  /** Opens (and migrates) another store on the same data, e.g. after `store.close()`. The caller closes it. */
  reopen(): Promise<Store>;
  /** Closes the store if still open and removes its data (file, schema). */
  cleanup(): Promise<void>;
}

export interface ContractContext {
  fixture: StoreFixture;
  store: Store;
}

export const T0 = 1_700_000_000_000;

/** A stored agent; card fields a registration may leave out are absent (null or empty) unless `over` sets them. */
export function agent(id: string, over: Partial<AgentRow> = {}): AgentRow {
  return {
    id,
    ...heldCard({
      id,
      name: `Agent ${id}`,
      version: "1.0.0",
      description: `agent ${id}`,
      endpoint: `http://127.0.0.1:9/${id}`,
      protocol: "http",
      skills: [{ name: "echo", description: "echoes" }],
      tags: ["test"],
    }),
    health_status: "unknown",
    health_message: null,
    last_heartbeat_at: null,
    trust_score: 0.5,
    trust_raw: 0.5,
    trust_updated_at: T0,
    revision: 1,
    created_at: T0,
    updated_at: T0,
    token_hash: `hash-of-${id}`,
    healthy_since: null,
    reports_window_start: 0,
    reports_window_weight: 0,
    ...NO_PUBLISHED_CARD,
    ...NO_PROBE,
    reported_status: null,
    health_reason: null,
    ...over,
  };
}

/** An event whose payload carries characters that stress quoting (JSON, SQL arrays). */
export function ev(type: EventType, agentId: string, at = T0, extra: Record<string, unknown> = {}): NewEvent {
  // A prior record beside the payload (events/prior.ts): none for a registration, a delta otherwise; both stores keep it as given.
  const prior = type === "agent_registered" ? null : JSON.stringify({ health_status: "healthy", tags: ["a,b", "é"] });
  return { type, agentId, at, payload: JSON.stringify({ type, agent_id: agentId, note: 'a,b {c} "d" \\ é', ...extra }), prior };
}

export const guardOf = (row: AgentRow): Guard => ({ revision: row.revision, lastHeartbeatAt: row.last_heartbeat_at });
