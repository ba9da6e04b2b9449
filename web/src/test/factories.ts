/** Agents and events for tests, with just the fields a test cares about overridden. */
import type { Agent } from "@agentmesh/client";
import type {
  AgentDeregisteredEvent,
  AgentHealthChangedEvent,
  AgentRegisteredEvent,
  AgentUpdatedEvent,
  TrustScoreChangedEvent,
} from "@agentmesh/client";

export const T0 = Date.parse("2026-01-01T12:00:00.000Z");
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

export function agent(id: string, over: Partial<Agent> = {}): Agent {
  return {
    id,
    name: id,
    version: "1.0.0",
    description: "",
    endpoint: `http://127.0.0.1:9/${id}`,
    protocol: "http",
    skills: [],
    tags: [],
    provider: null,
    metadata: null,
    card_url: null,
    health_status: "healthy",
    health_reason: null,
    probe: null,
    last_heartbeat_at: at(0),
    trust_score: 0.5,
    trust_tier: "reliable",
    revision: 1,
    created_at: at(0),
    updated_at: at(0),
    ...over,
  };
}

export const registered = (a: Agent): AgentRegisteredEvent => ({ type: "agent_registered", agent_id: a.id, timestamp: a.updated_at, agent: a });

export const updated = (a: Agent, changed: string[] = ["version"]): AgentUpdatedEvent => ({ type: "agent_updated", agent_id: a.id, timestamp: a.updated_at, changed, agent: a });

export const healthChanged = (a: Agent, previous: Agent["health_status"], message: string | null = null): AgentHealthChangedEvent => ({
  type: "agent_health_changed",
  agent_id: a.id,
  timestamp: a.updated_at,
  status: a.health_status,
  previous_status: previous,
  message,
  source: "heartbeat",
  agent: a,
});

export const trustChanged = (a: Agent, previous: number, reason = "success reported by b"): TrustScoreChangedEvent => ({
  type: "trust_score_changed",
  agent_id: a.id,
  timestamp: a.updated_at,
  score: a.trust_score,
  previous_score: previous,
  tier: a.trust_tier,
  reason,
  agent: a,
});

export const deregistered = (id: string, revision: number, seconds = 100): AgentDeregisteredEvent => ({ type: "agent_deregistered", agent_id: id, timestamp: at(seconds), revision, reason: "deregistered" });
