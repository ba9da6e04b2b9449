/**
 * The dashboard's sign-in (`/api/v1/session`): the read token for an HttpOnly
 * session cookie. Sign-in attempts are rate-limited per client address, so the
 * read token cannot be guessed at speed; sign-out ends the session on the
 * server, not only in the browser.
 */
import type { FastifyRequest, onRequestHookHandler } from "fastify";
import { Type } from "typebox";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { secretEquals } from "../registry/tokens.js";
import { canRead, sessionCookie } from "./auth.js";
import { SECURITY } from "./openapi.js";
import { BODY, NoContent, STORE, SessionStatus, problemResponses } from "./responses.js";
import { SESSION_COOKIE, clearedSessionCookie, sessionCookieHeader, type Sessions } from "./sessions.js";
import type { TypedApp } from "./typed-app.js";

const SessionBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

export interface SessionRouteDeps {
  config: Config;
  sessions: Sessions;
  /** The per-address sign-in limit, when on. */
  signInLimit?: onRequestHookHandler;
}

const isSecure = (request: FastifyRequest) => request.protocol === "https" || request.headers["x-forwarded-proto"] === "https";

export function sessionRoutes(app: TypedApp, { config, sessions, signInLimit }: SessionRouteDeps) {
  const tags = ["session"];

  const setsCookie = (description: string) => ({ ...NoContent(description), headers: { "Set-Cookie": Type.String({ description: `The \`${SESSION_COOKIE}\` cookie (HttpOnly)` }) } });

  app.get(
    "/api/v1/session",
    {
      schema: {
        operationId: "getSession",
        summary: "Whether reads need a token, and whether this client has access",
        tags,
        security: SECURITY.none,
        response: { 200: { ...SessionStatus, description: "Whether a read token is configured, and whether this client may read" }, ...problemResponses(STORE) },
      },
    },
    async (request) => ({
    read_token_required: config.readToken !== null,
      authenticated: canRead(request, config),
    }),
  );

  app.post(
    "/api/v1/session",
    {
      schema: {
        operationId: "signIn",
        summary: "Exchange the read token for an HttpOnly session cookie (rate-limited per address)",
        tags,
        security: SECURITY.none,
        body: SessionBody,
        response: {
          204: setsCookie("Signed in (the cookie is set), or no read token is configured (nothing to sign in to)"),
          ...problemResponses([...BODY, ...STORE, "unauthorized", "rate_limited"]),
        },
      },
      onRequest: signInLimit ? [signInLimit] : [],
    },
    async (request, reply) => {
      const { token } = request.body;
      if (!config.readToken) return reply.code(204).send();
      if (!(secretEquals(token, config.readToken) || secretEquals(token, config.adminToken))) {
        throw new AppError("unauthorized", "that is not this registry's read token");
      }
      const session = await sessions.start();
      reply.header("Set-Cookie", sessionCookieHeader(session.id, session.maxAgeMs, isSecure(request)));
      return reply.code(204).send();
    },
  );

  const signOut = {
    operationId: "signOut",
    summary: "Sign out: ends the session on the server and clears the cookie",
    tags,
    security: SECURITY.none,
    response: { 204: setsCookie("Signed out (the cookie is cleared)"), ...problemResponses(STORE) },
  };
  app.delete("/api/v1/session", { schema: signOut }, async (request, reply) => {
    const id = sessionCookie(request);
    if (id) await sessions.end(id);
    reply.header("Set-Cookie", clearedSessionCookie(isSecure(request)));
    return reply.code(204).send();
  });
}
