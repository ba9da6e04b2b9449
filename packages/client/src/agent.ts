/**
 * The agent: its card (what the agent says about itself) and the registry's own
 * fields. These TypeBox schemas validate requests at the edge, document the API
 * (OpenAPI) and give the TypeScript types used by the server, the SDK and the
 * dashboard, so the three never drift.
 */
import { Type, type Static, type TNull, type TOptional, type TProperties, type TSchema, type TUnion } from "typebox";
import {
  AGENT_ID_PATTERN,
  ENDPOINT_PATTERN,
  ENDPOINT_SCHEMES,
  HEALTH_STATUSES,
  INVOCATION_OUTCOMES,
  LINE_PATTERN,
  LIST_SORTS,
  MAX_QUERY_INTEGER,
  METADATA_LIMITS,
  PROTOCOLS,
  REPORTED_STATUSES,
  TERM_PATTERN,
  TEXT_PATTERN,
  TRUST_TIERS,
  type HealthStatus,
  type Protocol,
  type TrustTier,
} from "./vocabulary.js";
import type { HealthSource, ProbeResult } from "./events.js";
import type { ProbeHealth } from "./probes.js";

export const AgentId = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: AGENT_ID_PATTERN,
  description: "1–100 characters: letters, digits, `_ - : .`; not `.` or `..`",
});

/** A single-line string: no control characters. */
export const Line = (options: { minLength?: number; maxLength: number; description?: string }) => Type.String({ ...options, pattern: LINE_PATTERN });
/** Free text: tab, LF and CR allowed, no other control characters. */
export const Text = (options: { maxLength: number; description?: string }) => Type.String({ ...options, pattern: TEXT_PATTERN });
const Label = (max: number) => Line({ minLength: 1, maxLength: max });
/** A tag or skill name: a label without `|` (see TERM_PATTERN). */
const Term = (max: number, minLength = 1) => Type.String({ minLength, maxLength: max, pattern: TERM_PATTERN });

export const Skill = Type.Object(
  {
    name: Term(100),
    description: Text({ maxLength: 1000 }),
    tags: Type.Optional(Type.Array(Label(50), { maxItems: 20 })),
    // From A2A's AgentSkill (cards registered by URL carry them; native registrations may).
    id: Type.Optional(Label(100)),
    examples: Type.Optional(Type.Array(Text({ maxLength: 500 }), { maxItems: 10 })),
    input_modes: Type.Optional(Type.Array(Label(100), { maxItems: 20, description: "Media types the skill accepts (A2A inputModes)" })),
    output_modes: Type.Optional(Type.Array(Label(100), { maxItems: 20, description: "Media types the skill produces (A2A outputModes)" })),
  },
  { additionalProperties: false },
);
export type Skill = Static<typeof Skill>;

/**
 * The card, field by field: the ONE definition every other list of card fields
 * is derived from — the bodies of `POST /agents` and `PATCH`, the public
 * `Agent`, the stored row's type, columns and mapping (src/server/store/columns.ts),
 * the card→row copy and the fields `agent_updated` compares
 * (src/server/registry/card.ts). Adding a card field is one entry here (and in
 * CARD_ABSENT when it may be left out) plus a migration adding its column: a
 * string is stored as text, anything else as JSON text.
 */
export const CARD_FIELDS = {
  name: Label(200),
  version: Label(50),
  description: Text({ maxLength: 2000 }),
  endpoint: Type.String({
    format: "uri",
    maxLength: 2000,
    pattern: ENDPOINT_PATTERN,
    description: `Where the agent listens: an absolute ${ENDPOINT_SCHEMES.join(", ")} URL`,
  }),
  protocol: Type.Enum([...PROTOCOLS]),
  skills: Type.Array(Skill, { maxItems: 100, description: "Skill names are unique within an agent" }),
  tags: Type.Array(Term(50), { maxItems: 50 }),
  provider: Line({ maxLength: 200 }),
  metadata: Type.Record(Type.String(), Type.Unknown(), {
    maxProperties: 32,
    "x-metadata-limits": METADATA_LIMITS,
    description:
      "A small free-form object: at most 32 keys and 4 KiB as JSON, nested at most 32 levels; keys at any level 0–100 characters without control characters; strings as free text (tab, LF and CR allowed)",
  }),
};
export type CardField = keyof typeof CARD_FIELDS;
export const CARD_FIELD_NAMES = Object.keys(CARD_FIELDS) as CardField[];

/**
 * The card fields a registration may leave out, and what they then are. A
 * field that is null when absent is nullable everywhere: the public agent
 * shows null, the column holds NULL, and PATCH clears it with null. Fields
 * not named here are required.
 */
export const CARD_ABSENT = { skills: "empty list", tags: "empty list", provider: null, metadata: null } as const satisfies Partial<
  Record<CardField, null | "empty list">
>;

type CardProps = typeof CARD_FIELDS;
type AbsentKey = keyof typeof CARD_ABSENT;
type NullableKey = { [K in AbsentKey]: (typeof CARD_ABSENT)[K] extends null ? K : never }[AbsentKey];
/** A card field as the stored and public agent holds it: null where it may be absent. */
type HeldProps = { [K in CardField]: K extends NullableKey ? TUnion<[CardProps[K], TNull]> : CardProps[K] };

const isNullable = (key: CardField) => (CARD_ABSENT as Partial<Record<CardField, unknown>>)[key] === null;
const mapCard = <P extends TProperties>(f: (key: CardField, schema: TSchema) => TSchema) =>
  Object.fromEntries(CARD_FIELD_NAMES.map((key) => [key, f(key, CARD_FIELDS[key])])) as P;
const held = (key: CardField, schema: TSchema) => (isNullable(key) ? Type.Union([schema, Type.Null()]) : schema);

/** The card fields as every agent holds them (absent ones null or empty). */
export const CardHeld = Type.Object(mapCard<HeldProps>(held));
export type CardHeld = Static<typeof CardHeld>;

/** Body of `POST /agents`: the card, with its id. */
export const AgentCard = Type.Object(
  {
    id: AgentId,
    ...mapCard<{ [K in CardField]: K extends AbsentKey ? TOptional<CardProps[K]> : CardProps[K] }>((key, schema) =>
      key in CARD_ABSENT ? Type.Optional(schema) : schema,
    ),
  },
  { additionalProperties: false },
);
export type AgentCard = Static<typeof AgentCard>;

/** Body of `PATCH /agents/{id}`: any card field but the id. */
export const AgentPatch = Type.Object(
  mapCard<{ [K in CardField]: TOptional<HeldProps[K]> }>((key, schema) => Type.Optional(held(key, schema))),
  { additionalProperties: false, minProperties: 1 },
);
export type AgentPatch = Static<typeof AgentPatch>;

const Timestamp = Type.String({ format: "date-time" });

/** The probe on an agent snapshot: its kind and damped state, as of its last change (`GET /agents/{id}/health` has every result). */
export const AgentProbe = Type.Object({
  kind: Type.Enum(["http", "a2a", "tcp"]),
  state: Type.Enum(["unknown", "passing", "failing"], { description: "`unknown` until the first result; `failing` after a run of failures; `passing` again after a run of successes" }),
  failing_since: Type.Union([Timestamp, Type.Null()], { description: "While failing: when its run of failures began" }),
  last_ok_at: Type.Union([Timestamp, Type.Null()], { description: "The last successful probe as of the last state change" }),
});

/** The probe on an agent snapshot (`agent.probe`; `null` when the agent has none). */
export type AgentProbe = Static<typeof AgentProbe>;

/** The public snapshot of an agent, as the API answers and as every event carries it. */
export const Agent = Type.Object({
  id: Type.String(),
  ...CardHeld.properties,
  card_url: Type.Union([Type.String(), Type.Null()], {
    description: "The A2A Agent Card URL the agent was registered from (the registry refreshes the card from it); null for a native registration",
  }),
  health_status: Type.Enum([...HEALTH_STATUSES]),
  health_reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why the agent has its health status, e.g. "heartbeat says healthy; probe failing since …: timeout" (null on agents not changed since before probes)',
  }),
  probe: Type.Union([AgentProbe, Type.Null()], { description: "How the registry checks the agent itself, and what it sees; null when it does not probe it" }),
  last_heartbeat_at: Type.Union([Timestamp, Type.Null()], {
    description: "Liveness: updated on every heartbeat without bumping `revision` or publishing an event",
  }),
  trust_score: Type.Number({ minimum: 0, maximum: 1 }),
  trust_tier: Type.Enum([...TRUST_TIERS]),
  revision: Type.Integer({ minimum: 1, description: "Increases by one on every change to the card, health or trust" }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Agent = Static<typeof Agent>;

export const Heartbeat = Type.Object(
  {
    status: Type.Optional(Type.Enum([...REPORTED_STATUSES])),
    message: Type.Optional(Text({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

/** Body of `POST /agents/{id}/reports`: an invocation outcome, sent by another registered agent. */
export const InvocationReport = Type.Object(
  {
    outcome: Type.Enum([...INVOCATION_OUTCOMES]),
    latency_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);
export type InvocationReport = Static<typeof InvocationReport>;

export const ListQuery = Type.Object(
  {
    health: Type.Optional(Type.Enum([...HEALTH_STATUSES], { description: "Only agents in this health status" })),
    tag: Type.Optional(Term(50, 0)),
    skill: Type.Optional(Term(100, 0)),
    q: Type.Optional(Line({ maxLength: 200, description: "Text search over id, name, description, tags and skills" })),
    sort: Type.Optional(Type.Enum([...LIST_SORTS])),
    order: Type.Optional(Type.Enum(["asc", "desc"])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_QUERY_INTEGER })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export interface AgentList {
  agents: Agent[];
  total: number;
  limit: number;
  offset: number;
  /** The id of the last event this snapshot includes: stream from here (`last_event_id`). On a `continue` page, the first page's. */
  cursor: number;
  /** Keyset paging (`sort=created_at`): the token for the next page (`?continue=`); absent on the last page. */
  continue?: string;
}

export interface TrustPoint {
  at: string;
  score: number;
  tier: TrustTier;
  reason: string;
}

export interface TrustReport {
  agent_id: string;
  score: number;
  tier: TrustTier;
  history: TrustPoint[];
}

export interface HealthPoint {
  at: string;
  status: HealthStatus;
  previous_status: HealthStatus;
  message: string | null;
  /** What caused the change (absent from a registry without probes, and on points logged before them). */
  source?: HealthSource;
  /** For `source: "probe"`: the result that completed the run. */
  probe?: ProbeResult;
}

/** How the refresh of a card registered by URL stands: the card held stays the last good one while `error` says why the latest refresh could not use it. */
export interface CardRefreshState {
  card_url: string;
  next_refresh_at: string | null;
  /** Why the last refresh failed (`reason` as a `card_unusable` problem's); null when it succeeded. */
  error: { reason: string; message: string; at: string } | null;
}

export interface HealthReport {
  agent_id: string;
  status: HealthStatus;
  last_heartbeat_at: string | null;
  history: HealthPoint[];
  /** For an agent registered by card URL: its card's refresh (absent otherwise). */
  card_refresh?: CardRefreshState;
  /** Why the agent has its health, e.g. "heartbeat says healthy; probe failing since 2026-12-02T09:00:00Z: connection refused" (null on agents unchanged since before probes). */
  health_reason: string | null;
  /** The agent's probe, its state and recent results, newest last; null without a probe. */
  probe: ProbeHealth | null;
}

export interface RegisterResponse {
  agent: Agent;
  /** Shown once, on first registration only; the registry keeps only its hash. */
  agent_token?: string;
}

export interface HeartbeatResponse {
  agent_id: string;
  health_status: HealthStatus;
  changed: boolean;
  /** When the next heartbeat is due (ISO time) and the interval the server asks for. */
  next_heartbeat_at: string;
  heartbeat_interval_ms: number;
  offline_after_ms: number;
}

export interface Stats {
  agents: { total: number; by_health: Record<HealthStatus, number>; by_tier: Record<TrustTier, number> };
  events: { last_id: number; published: number; oldest_retained_id: number | null };
  subscribers: number;
  /** The server's health timing, so clients can tell how stale a last heartbeat is. */
  health: { heartbeat_interval_ms: number; offline_after_ms: number; sweep_interval_ms: number };
  /** The event stream's longest silence (its keep-alive), so clients set a stall timeout above it. Absent from older servers. */
  stream?: { keepalive_ms: number };
}
