/**
 * What every route answers, as schemas: the success body of each operation and
 * its `application/problem+json` errors. Routes declare them, so the type
 * provider checks each handler's answer, Fastify serializes by them, and
 * /openapi.json describes them (a generated client gets real types, not
 * `never`).
 *
 * A response schema is also a serializer that drops what it does not name:
 * open objects (`metadata`) stay open, and the type checks at the bottom tie
 * each schema to the interface the SDK and the dashboard read, so neither can
 * lose a field unnoticed.
 */
import { Type, type Static, type TSchema } from "typebox";
import {
  Agent,
  PROTOCOLS,
  type AgentList as AgentListType,
  type HealthReport as HealthReportType,
  type HeartbeatResponse as HeartbeatResponseType,
  type RegisterResponse as RegisterResponseType,
  type Stats as StatsType,
  type TrustReport as TrustReportType,
  AgentProbe,
} from "../../shared/agent.js";
import { ProbeHealth, ProbeResult } from "../../shared/probe.js";
import { EVENT_TYPES, type EventHistory as EventHistoryType, type RegistryEvent, type ResetEvent } from "../../shared/events.js";
import { CARD_PROBLEM_REASONS, PROBLEMS, PROBLEM_CONTENT_TYPE, headersOf, type Problem as ProblemType, type ProblemCode } from "../../shared/problems.js";

const Timestamp = Type.String({ format: "date-time" });
const Health = Agent.properties.health_status;
const Tier = Agent.properties.trust_tier;

/**
 * `T | null` as one `type: [..., "null"]` rather than an `anyOf`: the same
 * JSON Schema meaning, but the serializer picks an `anyOf` branch by running a
 * validator on every value, which doubled the time to write a page of agents.
 */
const Nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as unknown as { type: string }).type, "null"] });

const descriptionOf = (schema: TSchema): string | undefined => (schema as { description?: string }).description;

/** The public snapshot of an agent: the shared schema, with `protocol` as the enum it is and its nullable fields written for the serializer. */
export const PublicAgent = Type.Object({
  ...Agent.properties,
  protocol: Type.Enum([...PROTOCOLS]),
  provider: Nullable(Type.String()),
  metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
  last_heartbeat_at: Nullable(Type.String({ format: "date-time", description: "Liveness: updated on every heartbeat without bumping `revision` or publishing an event" })),
  card_url: Nullable(Type.String({ description: "The A2A Agent Card URL the agent was registered from; null for a native registration" })),
  health_reason: Nullable(Type.String({ description: descriptionOf(Agent.properties.health_reason) })),
  probe: Nullable(Type.Object({ ...AgentProbe.properties, failing_since: Nullable(Timestamp), last_ok_at: Nullable(Timestamp) }, { description: descriptionOf(Agent.properties.probe) })),
});

export const RegisterResponse = Type.Object({
  agent: PublicAgent,
  agent_token: Type.Optional(Type.String({ description: "Shown once, on first registration only; the registry keeps only its hash" })),
});

export const AgentList = Type.Object({
  agents: Type.Array(PublicAgent),
  total: Type.Integer({ minimum: 0, description: "Agents matching the filter, over every page" }),
  limit: Type.Integer(),
  offset: Type.Integer(),
  cursor: Type.Integer({ minimum: 0, description: "The id of the last event this snapshot includes: stream from here (`last_event_id`); on a continue page, the first page's" }),
  continue: Type.Optional(Type.String({ description: "Keyset paging (`sort=created_at`): the token for the next page (`?continue=`); absent on the last page" })),
});

export const HeartbeatResponse = Type.Object({
  agent_id: Type.String(),
  health_status: Health,
  changed: Type.Boolean({ description: "Whether this heartbeat changed the health status" }),
  next_heartbeat_at: Timestamp,
  heartbeat_interval_ms: Type.Integer(),
  offline_after_ms: Type.Integer(),
});

export const ReportResponse = Type.Object({
  agent_id: Type.String(),
  reporter_id: Type.String(),
  weight: Type.Number({ minimum: 0, description: "How much the report counted (0: the reporter has no standing yet, or its budget for this agent is spent)" }),
  trust_score: Type.Number({ minimum: 0, maximum: 1 }),
});

export const TrustReport = Type.Object({
  agent_id: Type.String(),
  score: Type.Number({ minimum: 0, maximum: 1 }),
  tier: Tier,
  history: Type.Array(Type.Object({ at: Timestamp, score: Type.Number(), tier: Tier, reason: Type.String() })),
});

export const HealthReport = Type.Object({
  agent_id: Type.String(),
  status: Health,
  last_heartbeat_at: Nullable(Timestamp),
  health_reason: Nullable(Type.String({ description: descriptionOf(Agent.properties.health_reason) })),
  history: Type.Array(
    Type.Object({
      at: Timestamp,
      status: Health,
      previous_status: Health,
      message: Nullable(Type.String()),
      source: Type.Optional(Type.Enum(["heartbeat", "probe", "sweep"], { description: "What caused the change (absent on points logged before probes)" })),
      probe: Type.Optional({ ...ProbeResult, description: "For `source: probe`: the result that completed the run" }),
    }),
  ),
  probe: Type.Union([ProbeHealth, Type.Null()], { description: "The agent's probe as resolved, its damped state and its recent results (newest last); null when it is not probed" }),
  card_refresh: Type.Optional(
    Type.Object(
      {
        card_url: Type.String(),
        next_refresh_at: Nullable(Timestamp),
        error: Type.Union([Type.Object({ reason: Type.String(), message: Type.String(), at: Timestamp }), Type.Null()], {
          description: "Why the last refresh could not use the card (the card held is the last good one); null when it could",
        }),
      },
      { description: "For an agent registered by card URL: how its card's refresh stands" },
    ),
  ),
});

const Counts = <T extends TSchema>(key: T) => Type.Record(key, Type.Integer({ minimum: 0 }));

export const Stats = Type.Object({
  agents: Type.Object({ total: Type.Integer({ minimum: 0 }), by_health: Counts(Health), by_tier: Counts(Tier) }),
  events: Type.Object({ last_id: Type.Integer(), published: Type.Integer(), oldest_retained_id: Nullable(Type.Integer()) }),
  subscribers: Type.Integer({ minimum: 0 }),
  health: Type.Object({ heartbeat_interval_ms: Type.Integer(), offline_after_ms: Type.Integer(), sweep_interval_ms: Type.Integer() }),
  stream: Type.Optional(Type.Object({ keepalive_ms: Type.Integer({ description: "The stream's longest silence: set a stall timeout above it" }) })),
});

/**
 * The events of the log: the `data:` line of an SSE frame, and the items of
 * `GET /events/history` (where `id` is always there). A union of objects, one
 * per `type`, so the serializer picks the branch by its `type`. They stay open
 * (`additionalProperties`) and fields added by later versions are optional:
 * the history answers the log as written, by whichever version wrote it, and
 * the serializer would drop an unnamed field or fail on a missing required one.
 */
/** On streams and history pages with a selector only, last: what the event did to the selector's answer. */
const Match = Type.Optional(Type.Enum(["entered", "stayed", "left"], { description: "With a selector only: entered (add the agent), stayed (update it), left (drop it)" }));

const registryEvents = <I extends TSchema>(id: I) => {
  // Keys in the order the log writes them (snapshot.ts), which is the order the serializer emits.
  const eventOf = <T extends string, P extends Record<string, TSchema>>(type: T, description: string, fields: P) =>
    Type.Object({ id, type: Type.Literal(type), agent_id: Type.String(), timestamp: Timestamp, ...fields, match: Match }, { description, additionalProperties: true });
  return Type.Union([
    eventOf("agent_registered", "A new agent", { agent: PublicAgent }),
    eventOf("agent_updated", "Card fields changed", { changed: Type.Array(Type.String(), { description: "Names of the card fields that changed" }), agent: PublicAgent }),
    eventOf("agent_deregistered", "The agent was removed", {
      revision: Type.Integer({ description: "The revision the agent had when it was removed" }),
      reason: Type.Optional(Type.Enum(["deregistered", "reaped"], { description: "DELETE by its owner or an admin, or reaped after --deregister-after offline (absent in events from before reaping)" })),
    }),
    eventOf("agent_health_changed", "Its health status changed (a heartbeat, a probe or the sweep)", {
      source: Type.Optional(Type.Enum(["heartbeat", "probe", "sweep"], { description: "What caused the change (absent in events from before probes)" })),
      probe: Type.Optional({ ...ProbeResult, description: "With `source: probe`: the result that completed the run" }),
      status: Health,
      previous_status: Health,
      message: Nullable(Type.String()),
      agent: PublicAgent,
    }),
    eventOf("trust_score_changed", "Its trust score moved", { score: Type.Number(), previous_score: Type.Number(), tier: Tier, reason: Type.String(), agent: PublicAgent }),
  ]);
};
const EventId = Type.Integer({ minimum: 1, description: "The event id (the SSE `id:` line)" });

export const RegistryEventSchema = registryEvents(Type.Optional(EventId));

export const ResetEventSchema = Type.Object(
  {
    type: Type.Literal("reset"),
    cursor: Type.Integer({ description: "Refetch state, then continue from here (also the frame's `id:`)" }),
    reason: Type.Enum(["history_pruned", "unknown_event_id", "match_unknown"]),
    requested: Type.Integer(),
  },
  { description: "Control frame: the stream could not resume from the id asked for, or (match_unknown) a selector stream met an event that cannot tell its match" },
);

export const EventHistory = Type.Object({
  events: Type.Array(registryEvents(EventId)),
  cursor: Type.Integer({ description: "The id of the last event in the log when the page was read" }),
  reset: Type.Boolean({ description: "True when events after `after` were pruned: the page does not connect to `after`" }),
});

/** The stream's frames, for the `text/event-stream` answer of the stream routes. */
export const EVENT_STREAM_DESCRIPTION = [
  "Server-Sent Events: frames of `id: <event id>`, `event: <type>` and `data: <one line of JSON>`, and `: comment` keep-alives.",
  `Event types: ${EVENT_TYPES.map((t) => `\`${t}\``).join(", ")} (the \`data:\` line is the event, as in \`GET /api/v1/events/history\`),`,
  "and `reset` (data `{ type, cursor, reason, requested }`): refetch state, then continue from `cursor`.",
  "Every event but `agent_deregistered` carries the agent at its new `revision`: apply it only when that is newer than the one held.",
].join(" ");

export const StreamEvent = Type.Union([...RegistryEventSchema.anyOf, ResetEventSchema], { description: EVENT_STREAM_DESCRIPTION });

/**
 * The 200 of a stream route: `text/event-stream`, each frame's data one
 * `StreamEvent` (a component of the document). The handler writes the frames
 * to the socket itself, never through `reply.send` (HEAD sends headers only),
 * so to the type provider the body is `undefined`.
 */
export const eventStream = (description: string) => ({
  description,
  content: {
    "text/event-stream": {
      schema: Type.Unsafe<undefined>(Type.String({ description: `${EVENT_STREAM_DESCRIPTION} Each \`data:\` is a \`StreamEvent\` (see Schemas).` })),
    },
  },
});

export const SessionStatus = Type.Object({
  read_token_required: Type.Boolean(),
  authenticated: Type.Boolean({ description: "Whether this client may read (a token, a live session, or no read token configured)" }),
});

/** A body-less answer (204). */
export const NoContent = (description: string) => Type.Unsafe<undefined>({ type: "null", description });

/** `application/problem+json` (RFC 9457), with the codes one answer can carry. */
export const Problem = (codes: readonly ProblemCode[]) =>
  Type.Object({
    type: Type.String({ format: "uri", description: "Identifies the code: https://agentmesh.dev/problems/<code with dashes>" }),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.Enum([...codes], { description: "Stable machine code; branch on this" }),
    detail: Type.String({ description: "What was wrong with this request, for a person" }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String({ description: "e.g. `body.endpoint`, `query.limit`" }), message: Type.String() }))),
    reason: Type.Optional(Type.Enum([...CARD_PROBLEM_REASONS], { description: "Only with `card_unusable`: why the A2A card cannot be used" })),
  });

/** The answer every route can give: a bug. */
const ALWAYS: readonly ProblemCode[] = ["internal"];
/** Every route that reads or writes the store: it is away (PostgreSQL down) or full (SQLite's disk). */
export const STORE: readonly ProblemCode[] = ["store_unavailable"];
/** What a JSON body can be refused for before (or as) the route reads it. */
export const BODY: readonly ProblemCode[] = ["validation_failed", "malformed_json", "payload_too_large", "unsupported_media_type"];
/** A write: a token that verifies as nothing, the write rate limit, and a row that kept changing under it. */
export const WRITE: readonly ProblemCode[] = [...STORE, "unauthorized", "rate_limited", "conflict"];
/** A read: the read token when one is configured. */
export const READ: readonly ProblemCode[] = [...STORE, "validation_failed", "unauthorized"];

/**
 * The error answers of an operation, one per status, each listing its codes
 * (and the headers the catalogue says they carry: `WWW-Authenticate` on 401,
 * `Retry-After` on 503 and 429).
 */
export function problemResponses(codes: readonly ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const status = PROBLEMS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, { description: string; headers?: Record<string, TSchema>; content: { [PROBLEM_CONTENT_TYPE]: { schema: ReturnType<typeof Problem> } } }> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers: Record<string, TSchema> = {};
    for (const code of list) for (const name of Object.keys(headersOf(code))) headers[name] = Type.String({ description: `Sent with \`${code}\`` });
    if (status === 429) headers["Retry-After"] = Type.String({ description: "Seconds until the budget refills" });
    out[status] = {
      description: list.map((c) => `\`${c}\`: ${PROBLEMS[c].title}`).join("; "),
      ...(Object.keys(headers).length ? { headers } : {}),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem(list) } },
    };
  }
  return out;
}

// The schemas above are the interfaces the SDK and the dashboard read: a field
// added to one and not the other stops the build here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(ok: Same<A, B>) => ok;
same<Static<typeof RegisterResponse>, RegisterResponseType>(true);
same<Static<typeof AgentList>, AgentListType>(true);
same<Static<typeof HeartbeatResponse>, HeartbeatResponseType>(true);
same<Static<typeof TrustReport>, TrustReportType>(true);
same<Static<typeof HealthReport>, HealthReportType>(true);
same<Static<typeof Stats>, StatsType>(true);
// Events are open and tolerate old log entries, so here one way: every event the server writes fits the schema.
type Covers<S, I> = [I] extends [S] ? true : false;
const covers = <S, I>(ok: Covers<S, I>) => ok;
covers<Static<typeof EventHistory>, EventHistoryType>(true);
covers<Static<typeof RegistryEventSchema>, RegistryEvent>(true);
same<Static<typeof ResetEventSchema>, ResetEvent>(true);
same<Static<ReturnType<typeof Problem>>, ProblemType>(true);
