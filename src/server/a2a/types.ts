/**
 * The A2A Agent Card (a2aproject/A2A, specification/a2a.proto `AgentCard`), as
 * JSON, in the two versions the registry reads:
 *
 * - 1.0 (current): the endpoints are `supportedInterfaces`, each with `url`,
 *   `protocolBinding` (`JSONRPC`, `GRPC`, `HTTP+JSON`, or another, open-form)
 *   and its own `protocolVersion`; security is `securityRequirements`.
 * - 0.3 (previous): one `url` with its `preferredTransport` (default JSONRPC),
 *   more in `additionalInterfaces` (`url` + `transport`), `protocolVersion` at
 *   the top; security is `security`.
 *
 * Published at `/.well-known/agent-card.json` (0.3 and later) or, by older
 * agents, `/.well-known/agent.json`. Only the fields the registry reads are
 * typed; the card is kept as published, unknown fields included.
 */

import type { A2ACardSkill } from "@agentmesh/client";

export const WELL_KNOWN_CARD_PATH = "/.well-known/agent-card.json";
/** The path agents before A2A 0.3 published their card at. */
export const LEGACY_WELL_KNOWN_CARD_PATH = "/.well-known/agent.json";

/** The protocol bindings A2A defines; others are allowed (open-form strings). */
export const A2A_BINDINGS = ["JSONRPC", "GRPC", "HTTP+JSON"] as const;

/** The A2A version `toA2ACard` writes. */
export const A2A_PROTOCOL_VERSION = "1.0";

export interface A2AProvider {
  organization: string;
  url: string;
}

export interface A2AInterface {
  url: string;
  protocolBinding: string;
  protocolVersion: string;
  tenant?: string;
}

/** A skill as the client package types it (`card(id)`), plus the per-skill security the registry reads. */
export interface A2ASkill extends A2ACardSkill {
  /** 1.0 */
  securityRequirements?: unknown[];
  /** 0.3 */
  security?: unknown[];
}

interface A2ACardCommon {
  name: string;
  description: string;
  version: string;
  provider?: A2AProvider;
  documentationUrl?: string;
  iconUrl?: string;
  capabilities: Record<string, unknown>;
  securitySchemes?: Record<string, unknown>;
  defaultInputModes: string[];
  defaultOutputModes: string[];
  skills: A2ASkill[];
  signatures?: { protected: string; signature: string; header?: unknown }[];
  [field: string]: unknown;
}

/** A card of the current version (1.0). */
export interface A2ACardV1 extends A2ACardCommon {
  supportedInterfaces: A2AInterface[];
  securityRequirements?: unknown[];
}

/** A card of the previous version (0.3 and the 0.2 line before it). */
export interface A2ACardV03 extends A2ACardCommon {
  url: string;
  protocolVersion?: string;
  preferredTransport?: string;
  additionalInterfaces?: { url: string; transport: string }[];
  security?: unknown[];
  supportsAuthenticatedExtendedCard?: boolean;
}

export type A2ACard = A2ACardV1 | A2ACardV03;

/** Which field names a card uses: `1.0` (supportedInterfaces) or `0.3` (url + preferredTransport). */
export type A2ACardVersion = "1.0" | "0.3";

/** A schema fault: a JSON Pointer into the card and what is wrong there. */
export interface CardFault {
  path: string;
  message: string;
}
