/**
 * Registering from an A2A Agent Card: the two other bodies `POST /agents`
 * accepts besides a native card, and the schema of the whole body.
 *
 * - `{ card_url, id?, probe? }`: the registry fetches the card (a bare site URL
 *   is looked up at `/.well-known/agent-card.json`, then `/.well-known/agent.json`),
 *   keeps it, refreshes it, and probes it by default.
 * - `{ a2a_card, id? }`: the card given inline; kept as given, never refreshed.
 *
 * The body is validated by which key is present (`if`/`then`/`else`) instead
 * of by trying every branch (`anyOf`), so a bad body is told about the fields
 * of the form it meant, not of all three.
 */
import type * as Client from "@agentmesh/client";
import { Type, type Static } from "typebox";
import { AgentCard, AgentId, AgentPatch } from "./agent.js";
import { ProbeSpec } from "./probe.js";

/** The card's (or the site's) URL: absolute http or https. */
const CardUrl = Type.String({
  format: "uri",
  maxLength: 2000,
  pattern: "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]",
  description: "The A2A Agent Card's URL (e.g. https://host/.well-known/agent-card.json), or the agent's site, whose well-known path is looked up",
});

export const CardUrlRegistration = Type.Object(
  {
    card_url: CardUrl,
    id: Type.Optional({ ...AgentId, description: "The agent's id; default: from the card's name (`Recipe Agent` → `recipe-agent`)" }),
    probe: Type.Optional(Type.Union([ProbeSpec, Type.Null()], { description: "How the registry checks the agent; default an `a2a` probe of the card URL; null for none" })),
  },
  { additionalProperties: false },
);
export type CardUrlRegistration = Static<typeof CardUrlRegistration>;

export const InlineCardRegistration = Type.Object(
  {
    a2a_card: Type.Record(Type.String(), Type.Unknown(), { description: "An A2A Agent Card (version 1.0 or 0.3), at most 64 KiB as JSON" }),
    id: Type.Optional({ ...AgentId, description: "The agent's id; default: from the card's name" }),
  },
  { additionalProperties: false },
);
export type InlineCardRegistration = Static<typeof InlineCardRegistration>;

const ProbeOrNone = (description: string) => Type.Optional(Type.Union([ProbeSpec, Type.Null()], { description }));

/** A native registration: the card, and optionally how the registry probes the agent. */
export const NativeRegistration = Type.Object(
  { ...AgentCard.properties, probe: ProbeOrNone("How the registry checks the agent itself; absent or null: not probed (a re-registration without it keeps the probe the agent has)") },
  { additionalProperties: false },
);
export type NativeRegistration = Static<typeof NativeRegistration>;

/** Body of `PATCH /agents/{id}`: card fields, and `probe` (null: stop probing). */
export const AgentUpdate = Type.Object(
  { ...AgentPatch.properties, probe: ProbeOrNone("A new probe, or null to stop probing; absent: unchanged") },
  { additionalProperties: false, minProperties: 1 },
);
export type AgentUpdate = Static<typeof AgentUpdate>;

export type RegistrationBody = NativeRegistration | CardUrlRegistration | InlineCardRegistration;

/**
 * The body of `POST /agents`: a native card, a card URL, or an inline A2A card.
 * Documented as the union (`anyOf`, what client generators read) and validated
 * as `if`/`then`/`else` on the key present (`validation`, see validatedAs in
 * src/server/http/validation.ts); both accept exactly the same bodies.
 */
export const RegistrationBody = Type.Union([NativeRegistration, CardUrlRegistration, InlineCardRegistration], {
  description: "A native card; or `{card_url, id?, probe?}` to register from an A2A Agent Card's URL; or `{a2a_card, id?}` with the card inline",
});
export const REGISTRATION_BODY_VALIDATION = {
  if: { type: "object", required: ["card_url"] },
  then: CardUrlRegistration,
  else: { if: { type: "object", required: ["a2a_card"] }, then: InlineCardRegistration, else: NativeRegistration },
};

export const isCardUrlRegistration = (body: RegistrationBody): body is CardUrlRegistration => "card_url" in body;
export const isInlineCardRegistration = (body: RegistrationBody): body is InlineCardRegistration => "a2a_card" in body;

// The client package's types (what the SDK sends) are these schemas' own.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameAsClient: [
  Same<CardUrlRegistration, Client.CardUrlRegistration>,
  Same<InlineCardRegistration, Client.InlineCardRegistration>,
  Same<ProbeSpec, Client.ProbeSpec>,
  Same<NativeRegistration, Client.NativeRegistration>,
  Same<AgentUpdate, Client.AgentUpdate>,
] = [true, true, true, true, true];
void sameAsClient;
