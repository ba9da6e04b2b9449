/**
 * Registering from an A2A Agent Card: the bodies `POST /agents` accepts
 * besides a native card, as types (the registry validates them with the
 * schemas in its src/shared/card-registration.ts, which are checked against
 * these at compile time).
 */

import type { AgentCard, AgentPatch } from "./agent.js";

/** The settings every probe kind may set; the server's `--probe-*` defaults fill the rest. */
export interface ProbeSettings {
  interval_ms?: number;
  timeout_ms?: number;
  failures?: number;
  successes?: number;
}

/** How the registry checks an agent itself: GET a URL, fetch its A2A card, or connect over TCP. */
export type ProbeSpec = (
  | { kind: "http"; url: string }
  | { kind: "a2a"; url?: string }
  | { kind: "tcp"; host: string; port: number }
) &
  ProbeSettings;

/** `{ card_url }`: the registry fetches the card (a bare site: its `/.well-known/agent-card.json`), keeps it and refreshes it. */
export interface CardUrlRegistration {
  card_url: string;
  /** Default: from the card's name (`Recipe Agent` → `recipe-agent`). */
  id?: string;
  /** Default: an `a2a` probe of the card URL; null for none. */
  probe?: ProbeSpec | null;
}

/** `{ a2a_card }`: the card given inline (at most 64 KiB as JSON), kept as given, never refreshed. */
export interface InlineCardRegistration {
  a2a_card: Record<string, unknown>;
  id?: string;
}

/** A native registration: the card, and optionally how the registry probes the agent (absent or null: not probed; a re-registration without it keeps the probe). */
export type NativeRegistration = AgentCard & { probe?: ProbeSpec | null };

/** `PATCH /agents/{id}`: card fields, and `probe` (null: stop probing; absent: unchanged). */
export type AgentUpdate = AgentPatch & { probe?: ProbeSpec | null };
