/**
 * The API description (/openapi.json, shown by /docs): OpenAPI 3.1, so the
 * schemas are JSON Schema as the routes declare them (`type: "null"` in
 * unions, open objects). Operations carry their own security; the schemes
 * here are the ones src/server/http/auth.ts accepts.
 */
import type { FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import { StreamEvent } from "./responses.js";
import { SESSION_COOKIE } from "./sessions.js";

export const SECURITY_SCHEMES = {
  bearer: {
    type: "http",
    scheme: "bearer",
    description: "An agent's own `agent_token`, or one of the registry's tokens: admin, registration (--registration-token), read (--read-token)",
  },
  session: {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "The dashboard's session (POST /api/v1/session with the read token); reads only",
  },
} as const;

/**
 * Per-operation security requirements. `{}` in a list means "or nothing":
 * reads need the read token only when one is configured; registering needs
 * the registration token only when one is configured.
 */
type Requirement = Record<string, string[]>;

export const SECURITY: Record<"none" | "read" | "register" | "bearer", Requirement[]> = {
  /** Open to anyone (probes, the session's own routes). */
  none: [],
  /** The read or admin token or a dashboard session, when --read-token is set; else open. */
  read: [{}, { bearer: [] }, { session: [] }],
  /** Open, or the registration/admin token (or the agent's own token to re-register) when --registration-token is set. */
  register: [{}, { bearer: [] }],
  /** A bearer token: the agent's own (or the admin token where the operation says so). */
  bearer: [{ bearer: [] }],
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function typeOfValues(values: Json[]): string | string[] | undefined {
  const types = new Set(values.map((v) => (v === null ? "null" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v)));
  if (types.has("integer") && types.has("number")) types.delete("integer");
  if ([...types].some((t) => t === "object")) return undefined;
  return types.size === 1 ? [...types][0] : [...types].sort();
}

/**
 * Gives every `enum` its `type` (TypeBox writes `{ enum: [...] }` alone), so
 * generators and readers see `type: string` beside the values. Returns a copy.
 */
export function typeEnums<T>(doc: T): T {
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(node)) out[key] = key === "enum" || key === "examples" || key === "example" ? value : walk(value);
    if (Array.isArray(node.enum) && node.type === undefined) {
      const type = typeOfValues(node.enum);
      if (type !== undefined) out.type = type;
    }
    return out;
  };
  return walk(doc as Json) as T;
}

export const OPENAPI_OPTIONS: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: "3.1.0",
    info: {
      title: "AgentMesh",
      version: "0.1.0",
      description:
        "A registry for AI agents that pushes every change to its watchers over Server-Sent Events. Errors are `application/problem+json` (RFC 9457) with a stable `code`.",
    },
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: { StreamEvent: StreamEvent as unknown as Record<string, unknown> },
    },
  },
  transformObject: (doc) => ("openapiObject" in doc ? typeEnums(doc.openapiObject) : doc.swaggerObject),
};
