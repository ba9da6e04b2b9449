/**
 * The public face of an agent and of its events. Everything an event carries is
 * built here from the stored row, so no private field (the token hash, the raw
 * trust score) can reach a client by accident.
 */
import { trustTier, type Agent } from "../../shared/agent.js";
import type { EventType, RegistryEvent } from "../../shared/events.js";
import type { AgentRow, NewEvent } from "../store/store.js";
import { cardOf } from "./card.js";

const iso = (ms: number) => new Date(ms).toISOString();

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** The probe on the snapshot: kind and damped state as of its last change (its results are in the health answer). */
function probeSummary(row: AgentRow): Agent["probe"] {
  if (row.probe === null) return null;
  return {
    kind: row.probe.kind,
    state: row.probe_state ?? "unknown",
    failing_since: row.probe_state === "failing" ? isoOrNull(row.probe_failing_since) : null,
    last_ok_at: isoOrNull(row.probe_last_ok_at),
  };
}

export function toPublic(row: AgentRow): Agent {
  return {
    id: row.id,
    ...cardOf(row),
    card_url: row.card_url,
    health_status: row.health_status,
    health_reason: row.health_reason,
    probe: probeSummary(row),
    last_heartbeat_at: row.last_heartbeat_at === null ? null : iso(row.last_heartbeat_at),
    trust_score: row.trust_score,
    trust_tier: trustTier(row.trust_score),
    revision: row.revision,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Omit on each member of a union (plain Omit keeps only the keys all members share). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Fields<T extends EventType> = OmitEach<Extract<RegistryEvent, { type: T }>, "type" | "agent_id" | "timestamp" | "id" | "agent">;

/** Serialises an event once; the JSON becomes the SSE `data:` line as is (JSON.stringify escapes CR and LF). */
export function newEvent<T extends EventType>(type: T, row: AgentRow, at: number, fields: Fields<T>): NewEvent {
  const body: Record<string, unknown> = { type, agent_id: row.id, timestamp: iso(at), ...fields };
  if (type !== "agent_deregistered") body.agent = toPublic(row);
  return { type, agentId: row.id, at, payload: JSON.stringify(body) };
}
