/**
 * An agent's A2A card as `card(id)` answers it (`GET /agents/{id}/card`): the
 * card the agent published, as published, when it was registered from one;
 * otherwise its registered fields mapped to an A2A 1.0 card. Only the fields
 * a client commonly reads are typed; the rest is there as sent.
 */
export interface A2ACardInterface {
  url: string;
  /** `JSONRPC`, `GRPC`, `HTTP+JSON`, or another (open-form). */
  protocolBinding: string;
  protocolVersion?: string;
}

export interface A2ACardSkill {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples?: string[];
  inputModes?: string[];
  outputModes?: string[];
}

export interface A2AAgentCard {
  name: string;
  description: string;
  version: string;
  /** A2A 1.0: where the agent listens, by which binding. */
  supportedInterfaces?: A2ACardInterface[];
  /** A2A 0.3 (a published card of that version): its one URL and transport. */
  url?: string;
  preferredTransport?: string;
  protocolVersion?: string;
  provider?: { organization: string; url: string };
  capabilities: Record<string, unknown>;
  /** Named schemes; A2A 1.0 wraps each in a one-key object naming its kind (`httpAuthSecurityScheme` …), 0.3 says `type`. */
  securitySchemes?: Record<string, unknown>;
  skills: A2ACardSkill[];
  [field: string]: unknown;
}
