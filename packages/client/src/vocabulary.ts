/**
 * The registry's vocabulary: the values an agent's fields take, the patterns
 * its text must match, and the tier a trust score falls in. Plain constants and
 * pure functions, no TypeBox: the client's main entry exports these at no cost,
 * and the schemas (agent.ts, `@agentmesh/client/schema`) are built from them.
 */
export const PROTOCOLS = ["a2a", "mcp", "http", "grpc", "websocket", "custom"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Reported by the agent (`unknown` until the first heartbeat) or derived (`offline`). */
export const HEALTH_STATUSES = ["unknown", "healthy", "degraded", "unhealthy", "offline"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** What an agent may report in a heartbeat. */
export const REPORTED_STATUSES = ["healthy", "degraded", "unhealthy"] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

export const TRUST_TIERS = ["elite", "reliable", "experimental"] as const;
export type TrustTier = (typeof TRUST_TIERS)[number];

/**
 * Ids travel in URL paths, so `.` and `..` are refused: clients resolve them
 * as dot segments and the agent could never be addressed.
 */
export const AGENT_ID_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9_\\-:.]{1,100}$";

/**
 * Single-line text (names, versions, tags, provider, skill names, query
 * filters): no control characters (U+0000–U+001F, U+007F–U+009F) and no
 * unpaired surrogates. NUL is refused by PostgreSQL and truncates matching in
 * SQLite; escapes and CR repaint terminals; an unpaired surrogate is not UTF-8.
 * Both validators compile patterns in unicode mode, where a surrogate pair is
 * one code point and only an unpaired half falls in D800–DFFF.
 */
export const LINE_PATTERN = "^[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$";

/**
 * Tags and skill names, and the `tag` and `skill` filters: a line without `|`.
 * Both stores match them exactly through a `|a|b|` index, where a `|` inside
 * a value would split it (tag "a|b" was listed by `tag=b`).
 */
export const TERM_PATTERN = "^[^|\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$";

/**
 * Free text (descriptions, heartbeat messages, metadata strings): as a line,
 * but tab and line breaks (LF, and CR for CRLF text) may appear. Readers that
 * print it to a terminal escape them; the SSE frame keeps them inside JSON.
 */
export const TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$";

/** The schemes an agent can listen on; a host must follow. */
export const ENDPOINT_SCHEMES = ["http", "https", "ws", "wss", "grpc", "grpcs"] as const;
// Schemes are case-insensitive; JSON Schema patterns take no flags.
export const ENDPOINT_PATTERN = "^(?:[Hh][Tt][Tt][Pp][Ss]?|[Ww][Ss][Ss]?|[Gg][Rr][Pp][Cc][Ss]?)://[^/?#]";

/** What a field that fails one of the patterns above is told. */
export const PATTERN_MESSAGES: Record<string, string> = {
  [AGENT_ID_PATTERN]: "must be 1–100 letters, digits, _ - : . and not . or ..",
  [LINE_PATTERN]: "must not contain control characters (tab and newline included) or unpaired surrogates",
  [TEXT_PATTERN]: "must not contain control characters other than tab, LF and CR, or unpaired surrogates",
  [TERM_PATTERN]: "must not contain | or control characters (tab and newline included) or unpaired surrogates",
  [ENDPOINT_PATTERN]: `must be an absolute ${ENDPOINT_SCHEMES.join(", ")} URL with a host`,
};

/** Limits of `metadata`, checked in one iterative walk (src/server/http/validation.ts), never by recursion. */
export const METADATA_LIMITS = { maxDepth: 32, maxKeyLength: 100 } as const;

export const INVOCATION_OUTCOMES = ["success", "failure", "timeout"] as const;
export type InvocationOutcome = (typeof INVOCATION_OUTCOMES)[number];

/**
 * Upper bound of every numeric query parameter without a smaller one (offset,
 * event ids): the largest integer a JSON number holds exactly, well inside
 * both stores' 64-bit integers, so no value reaches a store it would overflow.
 */
export const MAX_QUERY_INTEGER = Number.MAX_SAFE_INTEGER;

export const LIST_SORTS = ["trust_score", "updated_at", "created_at", "name"] as const;
export type ListSort = (typeof LIST_SORTS)[number];

export function trustTier(score: number): TrustTier {
  if (score >= 0.8) return "elite";
  if (score >= 0.5) return "reliable";
  return "experimental";
}
