/**
 * The events of the stream, one discriminated union shared by the server, the
 * SDK, the CLI and the dashboard. The SSE frame is
 *
 *     id: <event id>\nevent: <type>\ndata: <RegistryEvent as one line of JSON>\n\n
 *
 * Every event but `agent_deregistered` carries the agent's full public snapshot
 * at its new `revision`: apply an event only when that revision is newer than
 * the one you hold.
 */
import type { Agent } from "./agent.js";
import type { HealthStatus, TrustTier } from "./vocabulary.js";

export const EVENT_TYPES = [
  "agent_registered",
  "agent_updated",
  "agent_deregistered",
  "agent_health_changed",
  "trust_score_changed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

interface EventBase {
  /** The event id (same as the SSE `id:` line). Present in history answers and in SDK/CLI output. */
  id?: number;
  agent_id: string;
  /** ISO time the change committed. */
  timestamp: string;
}

export interface AgentRegisteredEvent extends EventBase {
  type: "agent_registered";
  agent: Agent;
}
export interface AgentUpdatedEvent extends EventBase {
  type: "agent_updated";
  /** Names of the card fields that changed. */
  changed: string[];
  agent: Agent;
}
/** Why an agent left: `DELETE` by its owner or an admin, or reaped after `--deregister-after` offline. */
export type DeregistrationReason = "deregistered" | "reaped";

export interface AgentDeregisteredEvent extends EventBase {
  type: "agent_deregistered";
  /** The revision the agent had when it was removed. */
  revision: number;
  /** Why it was removed (events logged by versions before reaping have none). */
  reason: DeregistrationReason;
}

/** What caused a health change: the agent's own heartbeat, the registry's probe of it, or the sweeper noticing silence. */
export type HealthSource = "heartbeat" | "probe" | "sweep";

/** What one probe saw; carried by health events whose `source` is `probe`. */
export interface ProbeResult {
  kind: "http" | "a2a" | "tcp";
  ok: boolean;
  latency_ms: number;
  /** The HTTP status, for `http` and `a2a` probes that got an answer. */
  status_code?: number;
  /** Why the probe failed (refused, timeout, not JSON, …); absent when it succeeded. */
  error?: string;
}

interface HealthChangedBase extends EventBase {
  type: "agent_health_changed";
  /** What caused the change (events logged by versions before probes have none). */
  source: HealthSource;
  status: HealthStatus;
  previous_status: HealthStatus;
  message: string | null;
  agent: Agent;
}
export type AgentHealthChangedEvent =
  | (HealthChangedBase & { source: "heartbeat" | "sweep" })
  /** A probe's run of results moved the status; `probe` is the result that completed the run. */
  | (HealthChangedBase & { source: "probe"; probe: ProbeResult });
export interface TrustScoreChangedEvent extends EventBase {
  type: "trust_score_changed";
  score: number;
  previous_score: number;
  tier: TrustTier;
  reason: string;
  agent: Agent;
}

export type RegistryEvent =
  | AgentRegisteredEvent
  | AgentUpdatedEvent
  | AgentDeregisteredEvent
  | AgentHealthChangedEvent
  | TrustScoreChangedEvent;

/**
 * Control frame: the server could not resume from the requested id (older than
 * the retained history, or unknown). Refetch state, then continue from `cursor`;
 * the frame's `id:` is that cursor, so an EventSource resumes from it.
 */
export interface ResetEvent {
  type: "reset";
  cursor: number;
  reason: "history_pruned" | "unknown_event_id";
  requested: number;
}

export type StreamEvent = RegistryEvent | ResetEvent;

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** Events as `GET /events/history` answers them. */
export interface EventHistory {
  events: (RegistryEvent & { id: number })[];
  /** The id of the last event in the log when the page was read. */
  cursor: number;
  /** True when events before `after` were pruned: the page does not connect to `after`. */
  reset: boolean;
}
