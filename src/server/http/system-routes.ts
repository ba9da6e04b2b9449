/**
 * Operational routes: liveness, readiness, Prometheus metrics, stats. (The
 * dashboard's session is in session-routes.ts.)
 */
import type { FastifyInstance } from "fastify";
import type { Stats } from "../../shared/agent.js";
import type { Config } from "../config.js";
import type { Hub } from "../events/hub.js";
import type { createMetrics } from "../metrics.js";
import type { Store } from "../store/store.js";
import { AppError } from "../errors.js";
import { requireRead } from "./auth.js";
import { problem, sendProblem } from "./problem.js";

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
}
