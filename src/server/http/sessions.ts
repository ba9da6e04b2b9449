/**
 * Dashboard sessions, for when a read token is required: the browser trades
 * the read token for a random session id in an HttpOnly cookie.
 *
 * - The store keeps only HMAC(read token, id), so a copy of the table signs
 *   nobody in, and changing the read token signs everyone out (no stored hash
 *   matches any more).
 * - Sessions live in the store, so every instance on one PostgreSQL accepts
 *   them and sign-out ends a session everywhere.
 * - A session ends at its expiry (`--session-max-age`) whatever the browser
 *   does with the cookie.
 * - An event stream opened on a session ends with it: at once when it is
 *   signed out on this instance (`watch`), otherwise at the stream's next look
 *   (`SESSION_RECHECK_MS`): expiry, or sign-out on another instance.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Config } from "../config.js";
import type { Clock } from "../registry/service.js";
import type { Store } from "../store/store.js";

export const SESSION_COOKIE = "agentmesh_session";

/** How often a stream opened on a session asks whether the session still lives. */
export const SESSION_RECHECK_MS = 30_000;

/** 32 random bytes, base64url: anything else in the cookie is not ours and costs no lookup. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface SessionDeps {
  store: Pick<Store, "createSession" | "sessionExpiresAt" | "deleteSession">;
  config: Pick<Config, "readToken" | "sessionMaxAgeMs">;
  clock: Clock;
}

export type Sessions = ReturnType<typeof createSessions>;

export function createSessions({ store, config, clock }: SessionDeps) {
  const hashOf = (readToken: string, id: string) => createHmac("sha256", readToken).update(id).digest("hex");
  /** What to call when a session is signed out here (its open streams), by session id. */
  const watchers = new Map<string, Set<() => void>>();

  return {
    /** Starts a session; answers the id to put in the cookie and its lifetime. Needs a read token configured. */
    async start(): Promise<{ id: string; maxAgeMs: number }> {
      if (!config.readToken) throw new Error("sessions need a read token");
      const id = randomBytes(32).toString("base64url");
      const now = clock.now();
      await store.createSession({ idHash: hashOf(config.readToken, id), createdAt: now, expiresAt: now + config.sessionMaxAgeMs });
      return { id, maxAgeMs: config.sessionMaxAgeMs };
    },

    async isLive(id: string): Promise<boolean> {
      if (!config.readToken || !SESSION_ID.test(id)) return false;
      const expiresAt = await store.sessionExpiresAt(hashOf(config.readToken, id));
      return expiresAt !== undefined && expiresAt > clock.now();
    },

    async end(id: string): Promise<void> {
      if (!config.readToken || !SESSION_ID.test(id)) return;
      await store.deleteSession(hashOf(config.readToken, id));
      const ended = watchers.get(id);
      watchers.delete(id);
      for (const onEnd of ended ?? []) onEnd();
    },

    /** Calls `onEnd` if the session is signed out through this instance; answers the function that stops watching. */
    watch(id: string, onEnd: () => void): () => void {
      let set = watchers.get(id);
      if (!set) watchers.set(id, (set = new Set()));
      set.add(onEnd);
      return () => {
        set.delete(onEnd);
        if (set.size === 0 && watchers.get(id) === set) watchers.delete(id);
      };
    },
  };
}

export function sessionCookieHeader(id: string, maxAgeMs: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure ? "; Secure" : ""}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? "; Secure" : ""}`;
}
