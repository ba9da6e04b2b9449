/**
 * Prometheus metrics on a registry of the app's own (several apps can live in
 * one process, e.g. in tests). Hot-path counters are plain numbers kept by the
 * hub and read at scrape time, so publishing costs no metric calls.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { Hub } from "./events/hub.js";
import type { Store } from "./store/store.js";

export function createMetrics(deps: { hub: Hub; store: Pick<Store, "countAgents"> }) {
  const registry = new Registry();
  // prom-client's default names already say what they are (`process_cpu_…`, `nodejs_heap_…`): the prefix only namespaces them.
  collectDefaultMetrics({ register: registry, prefix: "agentmesh_" });
  const { hub, store } = deps;
  const counter = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  counter("agentmesh_sse_subscribers", "Connected event-stream subscribers", () => hub.size);
  // Monotonic values exposed as *_total; read from the hub's plain counters at scrape time.
  counter("agentmesh_events_published_total", "Events published to the hub", () => hub.metrics.published);
  counter("agentmesh_sse_frames_delivered_total", "Event frames written to subscribers", () => hub.metrics.delivered);
  counter("agentmesh_sse_slow_consumer_disconnects_total", "Streams dropped because their client read too slowly", () => hub.metrics.slowConsumerDisconnects);
  counter("agentmesh_sse_replays_total", "Streams opened with a resume point", () => hub.metrics.replays);
  counter("agentmesh_sse_resets_total", "Reset events sent (resume point too old or unknown)", () => hub.metrics.resets);
  counter("agentmesh_sse_bookmarks_total", "Bookmarks sent (an id without data, to quiet streams whose position moved)", () => hub.metrics.bookmarks);
  counter("agentmesh_sse_streams_opened_total", "Event streams opened", () => hub.metrics.streamsOpened);
  const agents = new Gauge({
    name: "agentmesh_agents",
    help: "Registered agents by health status",
    labelNames: ["health"],
    registers: [registry],
    async collect() {
      const counts = await store.countAgents();
      for (const [health, n] of Object.entries(counts.byHealth)) this.set({ health }, n);
    },
  });
  const httpErrors = new Counter({ name: "agentmesh_http_problems_total", help: "Problem answers by code", labelNames: ["code"], registers: [registry] });
  return { registry, agents, httpErrors };
}
