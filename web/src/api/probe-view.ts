/**
 * The issue-14 fields of the agent snapshot (`probe`, `health_reason`,
 * `card_url`), read optionally: the dashboard also runs against a registry
 * that does not probe yet, and then shows what the agent says, as before.
 */
import type { Agent, AgentProbe } from "@agentmesh/client";

export type ProbedAgent = Agent & {
  card_url?: string | null;
  health_reason?: string | null;
  probe?: AgentProbe | null;
};

export const probeOf = (agent: Agent): AgentProbe | null => (agent as ProbedAgent).probe ?? null;
/** The snapshot's reason; `undefined` from a registry that gives none (then the health answer's may stand in). */
export const healthReasonOf = (agent: Agent): string | null | undefined => (agent as ProbedAgent).health_reason;
export const cardUrlOf = (agent: Agent): string | null => (agent as ProbedAgent).card_url ?? null;
