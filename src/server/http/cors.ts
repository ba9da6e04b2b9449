/**
 * Cross-origin use of the API and the stream (`--cors-origin`): a dashboard or
 * a tool served from another origin may call the registry from a browser. Off
 * unless origins are named; then only those exact origins are answered with
 * `Access-Control-Allow-Origin`, and a preflight from any other origin gets no
 * permission (the browser refuses the request). Nothing is opened by default.
 *
 * Credentials are not allowed cross-origin (no `Access-Control-Allow-Credentials`):
 * the session cookie is the dashboard's own sign-in on its own origin, and a
 * page elsewhere has a better credential, a bearer token it sends on purpose
 * (`Authorization`, allowed below). Allowing credentials would let any listed
 * origin read with the session of whoever has the dashboard open, without that
 * person ever handing it a token.
 */
import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config.js";

/** The request headers a cross-origin client sends: a bearer token, a JSON body, and EventSource's resume point on reconnect. */
export const CORS_ALLOWED_HEADERS = ["Authorization", "Content-Type", "Last-Event-ID"];

/**
 * The answer headers a cross-origin client may read besides the safelisted ones:
 * when to retry (429, 503), which scheme a 401 wants, which methods a 405
 * allows, and the rate limit's budget.
 */
export const CORS_EXPOSED_HEADERS = ["Retry-After", "WWW-Authenticate", "Allow", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];

/** How long a browser may cache a preflight's answer (browsers cap it: Chromium at 2 h). */
export const CORS_MAX_AGE_S = 600;

/** Registers CORS for `config.corsOrigins`; does nothing when none are named. Must come before the routes and the auth hook, so a preflight is answered before anything asks for a token. */
export async function registerCors(http: FastifyInstance, config: Pick<Config, "corsOrigins">): Promise<void> {
  if (config.corsOrigins.length === 0) return;
  await http.register(cors, {
    origin: [...config.corsOrigins],
    methods: ["GET", "HEAD", "POST", "PATCH", "DELETE"],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: false,
    maxAge: CORS_MAX_AGE_S,
    // An OPTIONS request that is not a preflight gets the same empty 204 rather than a plain-text 400.
    strictPreflight: false,
  });
}

/**
 * The CORS headers the hook set on a reply, as HTTP head lines: the event stream
 * writes its own head on the hijacked socket (http/sse-sink.ts), so what the
 * hook decided is carried over by this. The allowed origin is one of the
 * configured ones, compared exactly, so no request byte reaches the head.
 */
export function corsHeadLines(headers: Record<string, string | number | string[] | undefined>): string {
  let lines = "";
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !(name.startsWith("access-control-") || name === "vary")) continue;
    lines += `${name}: ${Array.isArray(value) ? value.join(", ") : value}\r\n`;
  }
  return lines;
}
