/**
 * Who is calling. Tokens travel only as `Authorization: Bearer <token>`; the
 * dashboard, whose EventSource cannot send headers, uses an HttpOnly session
 * cookie obtained by `POST /api/v1/session` with the read token. The cookie's
 * value is an HMAC derived from the read token, so every instance sharing the
 * token accepts it and changing the token signs everyone out.
 */
import { createHmac } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { secretEquals } from "../registry/tokens.js";

export const SESSION_COOKIE = "agentmesh_session";

export function bearerOf(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw new AppError("unauthorized", "the Authorization header must be `Bearer <token>`", undefined, { "WWW-Authenticate": "Bearer" });
  return m[1];
}

export function sessionValue(readToken: string): string {
  return createHmac("sha256", readToken).update("agentmesh-session-v1").digest("base64url");
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function hasSession(request: FastifyRequest, readToken: string): boolean {
  return secretEquals(cookie(request, SESSION_COOKIE), sessionValue(readToken));
}

/** True when the request may read (always, unless a read token is configured). */
export function canRead(request: FastifyRequest, config: Pick<Config, "readToken" | "adminToken">): boolean {
  if (!config.readToken) return true;
  const bearer = bearerOf(request);
  return secretEquals(bearer, config.readToken) || secretEquals(bearer, config.adminToken) || hasSession(request, config.readToken);
}

export function requireRead(request: FastifyRequest, config: Pick<Config, "readToken" | "adminToken">): void {
  if (!canRead(request, config)) {
    throw new AppError("unauthorized", "this registry requires the read token (Authorization: Bearer <read token>) or a dashboard session", undefined, {
      "WWW-Authenticate": "Bearer",
    });
  }
}
