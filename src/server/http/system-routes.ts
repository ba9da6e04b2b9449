/**
 * Operational routes: liveness, readiness, Prometheus metrics, stats, and the
 * dashboard's session (read token → HttpOnly cookie).
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "typebox";
import type { Stats } from "../../shared/agent.js";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import type { Hub } from "../events/hub.js";
import type { createMetrics } from "../metrics.js";
import { secretEquals } from "../registry/tokens.js";
import type { Store } from "../store/store.js";
import { SESSION_COOKIE, canRead, requireRead, sessionValue } from "./auth.js";
import { problem, sendProblem } from "./problem.js";

const SessionBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

export interface SystemDeps {
  hub: Hub;
  store: Store;
  config: Config;
  metrics: ReturnType<typeof createMetrics>;
}

export function systemRoutes(app: FastifyInstance, { hub, store, config, metrics }: SystemDeps) {
  app.get("/healthz", { schema: { summary: "The process is alive", tags: ["system"] } }, async () => ({ status: "ok" }));

  // While an outage lasts (the database away, SQLite's disk full) the store's ping is a write probe: not ready until writes work.
  app.get("/readyz", { schema: { summary: "The store accepts reads and writes", tags: ["system"] } }, async (_request, reply) => {
    try {
      await store.ping();
      return { status: "ready", store: store.kind };
    } catch (err) {
      return sendProblem(reply, problem("store_unavailable", err instanceof AppError && err.code === "store_unavailable" ? err.detail : "the store does not answer"));
    }
  });

  app.get("/metrics", { schema: { summary: "Prometheus metrics", tags: ["system"] } }, async (request, reply) => {
    requireRead(request, config);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get("/api/v1/stats", { schema: { summary: "Counts by health and tier, subscribers, events", tags: ["system"] } }, async (request): Promise<Stats> => {
    requireRead(request, config);
    const [counts, bounds] = await Promise.all([store.countAgents(), store.eventBounds()]);
    return {
      agents: { total: counts.total, by_health: counts.byHealth, by_tier: counts.byTier },
      events: { last_id: bounds.last, published: hub.metrics.published, oldest_retained_id: bounds.oldest },
      subscribers: hub.size,
      health: { heartbeat_interval_ms: config.heartbeatIntervalMs, offline_after_ms: config.offlineAfterMs, sweep_interval_ms: config.sweepIntervalMs },
      stream: { keepalive_ms: config.keepaliveMs },
    };
  });

  app.get("/api/v1/session", { schema: { summary: "Whether reads need a token, and whether this client has access", tags: ["session"] } }, async (request) => ({
    read_token_required: config.readToken !== null,
    authenticated: canRead(request, config),
  }));

  app.post("/api/v1/session", { schema: { summary: "Exchange the read token for an HttpOnly session cookie", tags: ["session"], body: SessionBody } }, async (request, reply) => {
    const { token } = request.body as Static<typeof SessionBody>;
    if (!config.readToken) return reply.code(204).send();
    if (!(secretEquals(token, config.readToken) || secretEquals(token, config.adminToken))) {
      throw new AppError("unauthorized", "that is not this registry's read token");
    }
    const secure = request.headers["x-forwarded-proto"] === "https" ? "; Secure" : "";
    reply.header("Set-Cookie", `${SESSION_COOKIE}=${sessionValue(config.readToken)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000${secure}`);
    return reply.code(204).send();
  });

  app.delete("/api/v1/session", { schema: { summary: "Sign out (clears the cookie)", tags: ["session"] } }, async (_request, reply) => {
    reply.header("Set-Cookie", `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return reply.code(204).send();
  });

}
