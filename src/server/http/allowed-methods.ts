/**
 * Which methods a path has, for the 405 answer to a known path asked with
 * another method (RFC 9110 §15.5.6: a 405 must list them in `Allow`).
 */
import type { FastifyInstance } from "fastify";

/** The methods routed for `url` (a request URL: encoded, query string allowed), sorted; empty for an unknown path. */
export function allowedMethods(app: Pick<FastifyInstance, "supportedMethods" | "findRoute">, url: string): string[] {
  return app.supportedMethods.filter((method) => app.findRoute({ method: method as never, url }) !== null).sort();
}
