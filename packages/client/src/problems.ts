/**
 * Every error the API answers, in one catalogue: a stable machine `code`, its
 * HTTP status and a short title. Answers are `application/problem+json`
 * (RFC 9457): `{ type, title, status, code, detail, errors? }`.
 */
export const PROBLEMS = {
  validation_failed: { status: 400, title: "The request is not valid" },
  malformed_json: { status: 400, title: "The body is not valid JSON" },
  invalid_last_event_id: { status: 400, title: "Last-Event-ID is not an event id" },
  duplicate_skill: { status: 400, title: "Skill names must be unique" },
  metadata_too_large: { status: 400, title: "metadata is too large" },
  self_report: { status: 400, title: "An agent cannot report on itself" },
  /** Answered with `WWW-Authenticate: Bearer` (RFC 9110: a 401 names its scheme). */
  unauthorized: { status: 401, title: "Authentication required", headers: { "WWW-Authenticate": "Bearer" } },
  forbidden: { status: 403, title: "Not allowed" },
  not_found: { status: 404, title: "No such resource" },
  agent_not_found: { status: 404, title: "No such agent" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  agent_id_taken: { status: 409, title: "The agent id is held by another agent" },
  conflict: { status: 409, title: "The agent changed concurrently; retry" },
  payload_too_large: { status: 413, title: "The body is too large" },
  unsupported_media_type: { status: 415, title: "Unsupported content type" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal server error" },
  /** Answered with `Retry-After: 1`: the database is away or the disk full; the instance recovers by itself. */
  store_unavailable: { status: 503, title: "The store is unavailable", headers: { "Retry-After": "1" } },
  shutting_down: { status: 503, title: "The server is shutting down" },
} as const satisfies Record<string, { status: number; title: string; headers?: Readonly<Record<string, string>> }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** The headers that every answer with this code carries (its facts, not its throw site's). */
export function headersOf(code: ProblemCode): Readonly<Record<string, string>> {
  const entry = PROBLEMS[code];
  return "headers" in entry ? entry.headers : {};
}

export interface FieldError {
  /** Where the problem is, e.g. `body.endpoint`, `query.limit`, `params.id`. */
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemType(code: ProblemCode): string {
  return `https://agentmesh.dev/problems/${code.replaceAll("_", "-")}`;
}
