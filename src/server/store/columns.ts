/**
 * The `agents` table, derived rather than listed: its columns and the mapping
 * between a stored row and an `AgentRow` both come from two field tables —
 * the card's (CARD_FIELDS in src/shared/agent.ts) and the registry's own
 * (REGISTRY_FIELDS below) — so a new field is one entry in one of them plus
 * the migration that adds its column. Both stores and the row cache read the
 * list from here.
 *
 * How a field is stored follows from its schema: a string (or enum of strings)
 * as text, a number as a number, anything else (lists, objects) as JSON text;
 * a field that may be null as a nullable column.
 */
import { Type, type Static, type TSchema } from "typebox";
import { CARD_FIELD_NAMES, CardHeld, HEALTH_STATUSES } from "../../shared/agent.js";
import type { ResolvedProbe } from "../../shared/probe.js";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** A time, as epoch milliseconds. */
const Ms = Type.Integer();

/** What the registry keeps about an agent besides its card: published (health, trust, times) or private. */
export const REGISTRY_FIELDS = {
  health_status: Type.Enum([...HEALTH_STATUSES]),
  health_message: Nullable(Type.String()),
  last_heartbeat_at: Nullable(Ms),
  /** The published score (what clients see). */
  trust_score: Type.Number(),
  /** The exact score; published when it moves far enough from `trust_score`. */
  trust_raw: Type.Number(),
  /** Last time trust changed through activity (decay starts from here). */
  trust_updated_at: Ms,
  revision: Type.Integer(),
  created_at: Ms,
  updated_at: Ms,
  /** SHA-256 of the agent token, hex. The token itself is never stored. */
  token_hash: Type.String(),
  /** Start of the current run of punctual healthy heartbeats (null: none); part of its standing as a reporter. */
  healthy_since: Nullable(Ms),
  /** The window of reports about this agent: when it began and the weight it has taken (domain/trust.ts). */
  reports_window_start: Ms,
  reports_window_weight: Type.Number(),
  /** The A2A card URL the agent was registered from (public, in the snapshot); null for a native registration. */
  card_url: Nullable(Type.String()),
  /** The A2A card exactly as it was last fetched (or given inline), as JSON text of at most 64 KiB. Not in the snapshot: events carry snapshots. */
  a2a_card: Nullable(Type.String()),
  /** The card's ETag and Last-Modified, sent back when it is refreshed (If-None-Match / If-Modified-Since). */
  card_etag: Nullable(Type.String()),
  card_last_modified: Nullable(Type.String()),
  /** When the card refresher next fetches the card (null: never, not URL-registered); also its claim, a conditional update on this value. */
  card_refresh_at: Nullable(Ms),
  /** Why the last refresh could not use the card (null after one that could); the card held stays the last good one. */
  card_error: Nullable(Type.Object({ kind: Type.String(), message: Type.String(), at: Ms })),
  /**
   * The agent's probe with every setting filled in (src/shared/probe.ts `ResolvedProbe`); null: not probed.
   * The truth the probe runner's working rows (store/probe-leases.ts) are reconciled with.
   */
  probe: Nullable(Type.Unsafe<ResolvedProbe>(Type.Object({}, { additionalProperties: true }))),
  /** The damped probe state as of its last change (`unknown`, `passing`, `failing`); null without a probe. */
  probe_state: Nullable(Type.Enum(["unknown", "passing", "failing"])),
  /** While failing: when its run of failures began. */
  probe_failing_since: Nullable(Ms),
  /** The last successful probe as of the last state change: what `offline` is counted from when no heartbeat is fresher. */
  probe_last_ok_at: Nullable(Ms),
  /** The last failure's reason, shown in the health reason ("timeout: …", "HTTP 503"). */
  probe_error: Nullable(Type.String()),
  /** The status the agent's last heartbeat reported (null: it never sent one); the health status combines it with the probe. */
  reported_status: Nullable(Type.Enum(["healthy", "degraded", "unhealthy"])),
  /** Why the agent has its health status, in words (domain/probes.ts combineHealth); public. */
  health_reason: Nullable(Type.String()),
};

/** The registry fields of an agent without a probe. */
export const NO_PROBE = {
  probe: null,
  probe_state: null,
  probe_failing_since: null,
  probe_last_ok_at: null,
  probe_error: null,
} as const satisfies Partial<RegistryFields>;

/** The registry fields of an agent with no published A2A card (a native registration). */
export const NO_PUBLISHED_CARD = {
  card_url: null,
  a2a_card: null,
  card_etag: null,
  card_last_modified: null,
  card_refresh_at: null,
  card_error: null,
} as const satisfies Partial<RegistryFields>;
export const RegistryFields = Type.Object(REGISTRY_FIELDS);
export type RegistryFields = Static<typeof RegistryFields>;

type Kind = "text" | "number" | "json";
export interface Column {
  name: string;
  kind: Kind;
}

/** How a field's schema is stored (see the module comment). */
function kindOf(schema: TSchema): Kind {
  if (Type.IsUnion(schema)) {
    const [value] = schema.anyOf.filter((s) => !Type.IsNull(s));
    return kindOf(value);
  }
  if (Type.IsString(schema) || Type.IsEnum(schema)) return "text";
  if (Type.IsNumber(schema) || Type.IsInteger(schema)) return "number";
  return "json";
}

/** Every field of an `AgentRow`, in order: the id, the card, the registry's fields. */
export const FIELD_COLUMNS: readonly Column[] = [
  { name: "id", kind: "text" },
  ...CARD_FIELD_NAMES.map((name) => ({ name, kind: kindOf(CardHeld.properties[name]) })),
  ...Object.entries(REGISTRY_FIELDS).map(([name, schema]) => ({ name, kind: kindOf(schema) })),
];

/** Columns computed from the card for the list query's filters and search (rows.ts). */
export const DERIVED_COLUMNS = ["tags_index", "skills_index", "search_text"] as const;

/**
 * All columns of `agents`, named: the stores never `select *`, since a prepared
 * `select *` fails on PostgreSQL ("cached plan must not change result type") on
 * instances still running when a later migration adds a column (a rolling upgrade).
 */
export const AGENT_COLUMNS: readonly string[] = [...FIELD_COLUMNS.map((c) => c.name), ...DERIVED_COLUMNS];
