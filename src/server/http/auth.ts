/**
 * Who is calling. Tokens travel only as `Authorization: Bearer <token>`; the
 * dashboard, whose EventSource cannot send headers, uses an HttpOnly session
 * cookie obtained by `POST /api/v1/session` with the read token (sessions.ts).
 *
 * Identity comes first: a write is keyed for the rate limit, authorised and
 * only then looked up, so a caller without the needed token learns nothing
 * about which ids exist, and a made-up token cannot mint a fresh rate-limit key.
 */
import { normalizeIP } from "@fastify/rate-limit";
import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { hashToken, secretEquals } from "../registry/tokens.js";
import type { Store } from "../store/store.js";
import { SESSION_COOKIE, type Sessions } from "./sessions.js";

export { SESSION_COOKIE } from "./sessions.js";

/** The caller as proven by its `Authorization` header. */
export type Identity =
  | { kind: "anonymous" }
  | { kind: "admin" }
  | { kind: "registrar" }
  | { kind: "reader" }
  | { kind: "agent"; agentId: string }
  /** A header that is malformed or a token that verifies as nothing: refused with 401. */
  | { kind: "invalid"; detail: string };

const unauthorized = (detail: string) => new AppError("unauthorized", detail);

/**
 * The token of `Authorization: Bearer <token>`. The scheme is case-insensitive
 * and whitespace around the token is ignored, so `bearer tok` and
 * `Bearer   tok  ` are the same credential.
 */
export function bearerOf(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthorized("the Authorization header must be `Bearer <token>`");
  return m[1];
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

export function sessionCookie(request: FastifyRequest): string | undefined {
  return cookie(request, SESSION_COOKIE);
}

/** Whether the request's session cookie names a live session: set by the `onRequest` hook, read synchronously by `canRead`. */
const sessionStates = new WeakMap<FastifyRequest, true | Error>();

/** Whether the request's Authorization header holds the read or the admin token (a malformed header holds neither). */
function holdsReadToken(request: FastifyRequest, config: Pick<Config, "readToken" | "adminToken">): boolean {
  let bearer: string | undefined;
  try {
    bearer = bearerOf(request);
  } catch {
    return false;
  }
  return secretEquals(bearer, config.readToken) || secretEquals(bearer, config.adminToken);
}

/** True when the request may read (always, unless a read token is configured). */
export function canRead(request: FastifyRequest, config: Pick<Config, "readToken" | "adminToken">): boolean {
  if (!config.readToken) return true;
  if (holdsReadToken(request, config)) return true;
  const state = sessionStates.get(request);
  // The session could not be checked (the store is away): say so rather than "unauthorized".
  if (state instanceof Error) throw state;
  return state === true;
}

/**
 * The session id a read rests on, when the session is all that lets the
 * request read (no read or admin token with it): a stream opened so must end
 * with the session.
 */
export function readingSession(request: FastifyRequest, config: Pick<Config, "readToken" | "adminToken">): string | undefined {
  if (!config.readToken || sessionStates.get(request) !== true || holdsReadToken(request, config)) return undefined;
  return sessionCookie(request);
}

export function requireRead(request: FastifyRequest, config: Pick<Config, "readToken" | "adminToken">): void {
  if (!canRead(request, config)) {
    throw unauthorized("this registry requires the read token (Authorization: Bearer <read token>) or a dashboard session");
  }
}

/**
 * The client as known by its address alone (the forwarded one behind
 * --trust-proxy), for per-client limits: one spelling per address
 * (`::ffff:a.b.c.d` is a.b.c.d, case and zero runs of IPv6 folded), and an
 * IPv6 address stands for its /64, the block one host is handed and can send
 * from at will.
 */
export function clientAddress(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}

/** The rate-limit key of a client known only by its address. */
export function addressKey(request: FastifyRequest): string {
  return `addr:${clientAddress(request)}`;
}

export interface AuthDeps {
  config: Pick<Config, "adminToken" | "registrationToken" | "readToken">;
  store: Pick<Store, "findAgentByTokenHash">;
  sessions: Pick<Sessions, "isLive">;
}

export type Auth = ReturnType<typeof createAuth>;

export function createAuth({ config, store, sessions }: AuthDeps) {
  const identities = new WeakMap<FastifyRequest, Promise<Identity>>();

  async function resolve(request: FastifyRequest): Promise<Identity> {
    let bearer: string | undefined;
    try {
      bearer = bearerOf(request);
    } catch (err) {
      return { kind: "invalid", detail: (err as Error).message };
    }
    if (bearer === undefined) return { kind: "anonymous" };
    if (secretEquals(bearer, config.adminToken)) return { kind: "admin" };
    if (secretEquals(bearer, config.registrationToken)) return { kind: "registrar" };
    if (secretEquals(bearer, config.readToken)) return { kind: "reader" };
    const agent = await store.findAgentByTokenHash(hashToken(bearer));
    if (agent) return { kind: "agent", agentId: agent.id };
    return { kind: "invalid", detail: "the token presented is neither an agent's token nor one of this registry's tokens" };
  }

  /** The caller's identity, verified once per request (the rate limit and the route share it). */
  function identify(request: FastifyRequest): Promise<Identity> {
    let identity = identities.get(request);
    if (!identity) identities.set(request, (identity = resolve(request)));
    return identity;
  }

  return {
    identify,

    /**
     * The rate-limit key of a write: the agent whose token verified, else the
     * client address (the forwarded one behind --trust-proxy). Unverified
     * tokens count against the address, so inventing tokens mints no keys,
     * while a gateway running many agents from one address is many clients.
     */
    async rateKey(request: FastifyRequest): Promise<string> {
      const who = await identify(request);
      return who.kind === "agent" ? `agent:${who.agentId}` : addressKey(request);
    },

    /** The admin token is exempt from the write limit. */
    async isAdmin(request: FastifyRequest): Promise<boolean> {
      return (await identify(request)).kind === "admin";
    },

    /** Route hook (after the rate limit counted it, before the body is read): a token that does not verify is a 401. */
    async rejectUnverified(request: FastifyRequest): Promise<void> {
      const who = await identify(request);
      if (who.kind === "invalid") throw unauthorized(who.detail);
    },

    /** `onRequest` hook: checks a session cookie against the store, for `canRead`. */
    async resolveSession(request: FastifyRequest): Promise<void> {
      if (!config.readToken) return;
      const id = sessionCookie(request);
      if (!id) return;
      try {
        if (await sessions.isLive(id)) sessionStates.set(request, true);
      } catch (err) {
        sessionStates.set(request, err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}

/** What an identity may do to agent `id`; throws 401 or 403 before anything is looked up. */
export function requireOwnerOrAdmin(who: Identity, id: string, allowAdmin: boolean): void {
  if (who.kind === "anonymous") throw unauthorized(`this call needs agent ${id}'s token: Authorization: Bearer <agent_token>`);
  if (who.kind === "invalid") throw unauthorized(who.detail);
  if (who.kind === "agent" && who.agentId === id) return;
  if (allowAdmin && who.kind === "admin") return;
  throw new AppError("forbidden", `the token presented is not agent ${id}'s${allowAdmin ? " nor the admin token" : ""}`);
}

/** Reports are sent by registered agents only. */
export function requireAgent(who: Identity): void {
  if (who.kind === "anonymous") throw unauthorized("a report must carry the reporting agent's token: Authorization: Bearer <agent_token>");
  if (who.kind === "invalid") throw unauthorized(who.detail);
  if (who.kind !== "agent") throw new AppError("forbidden", "only registered agents can report, with their own agent token");
}

/**
 * With a registration token configured, registering needs it (or the admin
 * token), except that an agent may re-register its own id with its own token.
 * Decided on the identity alone, so the answer does not say whether `id` exists.
 */
export function requireRegistrant(who: Identity, id: string, config: Pick<Config, "registrationToken">): void {
  if (who.kind === "invalid") throw unauthorized(who.detail);
  if (!config.registrationToken) return;
  if (who.kind === "admin" || who.kind === "registrar") return;
  if (who.kind === "agent" && who.agentId === id) return;
  const detail = "this registry requires a registration token for new agents: Authorization: Bearer <registration token>";
  if (who.kind === "anonymous") throw unauthorized(detail);
  throw new AppError("forbidden", detail);
}
