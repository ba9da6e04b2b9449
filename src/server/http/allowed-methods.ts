/**
 * Which methods a path has, for the 405 answer to a known path asked with
 * another method (RFC 9110 §15.5.6: a 405 lists them in `Allow`).
 */
import type { FastifyInstance } from "fastify";

/**
 * The methods routed for `url` (a request URL: still encoded, query string
 * allowed), sorted; empty for an unknown path. A path that only OPTIONS
 * matches is unknown: a CORS plugin answers preflights with one catch-all
 * OPTIONS route, which must not turn every 404 into a 405.
 */
export function allowedMethods(app: Pick<FastifyInstance, "supportedMethods" | "findRoute">, url: string): string[] {
  const methods = app.supportedMethods.filter((method) => app.findRoute({ method: method as never, url }) !== null).sort();
  return methods.some((m) => m !== "OPTIONS") ? methods : [];
}
