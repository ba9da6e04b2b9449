/**
 * Operational routes: liveness, readiness, Prometheus metrics, stats. (The
 * dashboard's session is in session-routes.ts.)
 */
import { Type } from "typebox";
import type { Config } from "../config.js";
import type { Hub } from "../events/hub.js";
import type { createMetrics } from "../metrics.js";
import type { Store } from "../store/store.js";
import { AppError } from "../errors.js";
import { requireRead } from "./auth.js";
import { SECURITY } from "./openapi.js";
import { READ, STORE, Stats, problemResponses } from "./responses.js";
import type { TypedApp } from "./typed-app.js";

export interface SystemDeps {
  hub: Hub;
  store: Store;
  config: Config;
  metrics: ReturnType<typeof createMetrics>;
}

export function systemRoutes(app: TypedApp, { hub, store, config, metrics }: SystemDeps) {
  const tags = ["system"];

  app.get(
    "/healthz",
    {
      schema: {
        operationId: "healthz",
        summary: "The process is alive",
        tags,
        security: SECURITY.none,
        response: { 200: Type.Object({ status: Type.Literal("ok") }, { description: "Alive" }), ...problemResponses([]) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  // While an outage lasts (the database away, SQLite's disk full) the store's ping is a write probe: not ready until writes work.
  app.get(
    "/readyz",
    {
      schema: {
        operationId: "readyz",
        summary: "The store accepts reads and writes",
        tags,
        security: SECURITY.none,
        response: {
          200: Type.Object({ status: Type.Literal("ready"), store: Type.Enum(["sqlite", "postgres"]) }, { description: "Ready: the store answers" }),
          ...problemResponses(STORE),
        },
      },
    },
    async () => {
      try {
        await store.ping();
        return { status: "ready" as const, store: store.kind };
      } catch (err) {
        throw new AppError("store_unavailable", err instanceof AppError && err.code === "store_unavailable" ? err.detail : "the store does not answer");
      }
    },
  );

  app.get(
    "/metrics",
    {
      schema: {
        operationId: "metrics",
        summary: "Prometheus metrics",
        tags,
        security: SECURITY.read,
        response: {
          200: { description: "The Prometheus text format", content: { "text/plain": { schema: Type.String() } } },
          ...problemResponses(READ.filter((code) => code !== "validation_failed")),
        },
      },
    },
    async (request, reply) => {
      requireRead(request, config);
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

  app.get(
    "/api/v1/stats",
    {
      schema: {
        operationId: "getStats",
        summary: "Counts by health and tier, subscribers, events",
        tags,
        security: SECURITY.read,
        response: { 200: { ...Stats, description: "Counts, the event log's bounds, and the server's health timing" }, ...problemResponses(READ.filter((code) => code !== "validation_failed")) },
      },
    },
    async (request) => {
      requireRead(request, config);
      const [counts, bounds] = await Promise.all([store.countAgents(), store.eventBounds()]);
      return {
        agents: { total: counts.total, by_health: counts.byHealth, by_tier: counts.byTier },
        events: { last_id: bounds.last, published: hub.metrics.published, oldest_retained_id: bounds.oldest },
        subscribers: hub.size,
        health: { heartbeat_interval_ms: config.heartbeatIntervalMs, offline_after_ms: config.offlineAfterMs, sweep_interval_ms: config.sweepIntervalMs },
        stream: { keepalive_ms: config.keepaliveMs },
      };
    },
  );
}
