/**
 * What the dashboard reads about probes and A2A cards, as the API answers it
 * (issue 14): the agent snapshot's `probe`, `health_reason` and `card_url`,
 * the health answer's `probe` part and the sources of its points. All of it is
 * optional here, so the dashboard works against a registry that does not
 * probe yet: it then shows what the agent says, as before.
 */
import type { Agent, HealthPoint, HealthReport } from "../../../src/shared/agent";
import type { HealthSource, ProbeResult } from "../../../src/shared/events";
import type { ProbeHealth, ProbeKind } from "../../../src/shared/probe";

export type ProbeState = ProbeHealth["state"];

/** The probe summary every agent snapshot carries (`null` when the agent has no probe). */
export interface AgentProbe {
  kind: ProbeKind;
  state: ProbeState;
  failing_since: string | null;
  last_ok_at: string | null;
}

export type ProbedAgent = Agent & {
  card_url?: string | null;
  health_reason?: string | null;
  probe?: AgentProbe | null;
};

/** A point of the health history, with what caused it (points logged before probes have no source). */
export type HealthPointView = HealthPoint & { source?: HealthSource; probe?: ProbeResult };

export type HealthView = Omit<HealthReport, "history"> & {
  health_reason?: string | null;
  probe?: ProbeHealth | null;
  history: HealthPointView[];
};

export const probeOf = (agent: Agent): AgentProbe | null => (agent as ProbedAgent).probe ?? null;
export const healthReasonOf = (agent: Agent): string | null => (agent as ProbedAgent).health_reason ?? null;

/**
 * An A2A card as `GET /agents/{id}/card` answers it: A2A 1.0 from this
 * registry, but a published card is passed on as published, so the 0.3
 * field names are read too.
 */
export interface A2ACardView {
  name: string;
  description: string;
  version: string;
  supportedInterfaces?: { url: string; protocolBinding: string; protocolVersion?: string }[];
  /** 0.3 */
  url?: string;
  preferredTransport?: string;
  protocolVersion?: string;
  provider?: { organization: string; url: string };
  capabilities?: Record<string, unknown>;
  securitySchemes?: Record<string, unknown>;
  skills: { id: string; name: string; description: string; tags: string[]; examples?: string[]; inputModes?: string[]; outputModes?: string[] }[];
  [field: string]: unknown;
}
