/** One line per event for the feed: what happened, in words a person scans. */
import type { HealthStatus } from "@agentmesh/client";
import type { EventType, RegistryEvent } from "@agentmesh/client";

export interface EventLine {
  /** Short label of the type. */
  label: string;
  /** What changed, readable on its own: "healthy → offline", "trust 0.52 → 0.61 (reliable)", "registered (a2a, v1.2.0)". */
  text: string;
  tone: "good" | "bad" | "warn" | "neutral";
  /** A longer explanation for a tooltip (a trust reason, a health message). */
  detail: string | null;
}

export const EVENT_LABELS: Record<EventType, string> = {
  agent_registered: "registered",
  agent_updated: "updated",
  agent_deregistered: "deregistered",
  agent_health_changed: "health",
  trust_score_changed: "trust",
};

const HEALTH_RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unknown: 2, unhealthy: 3, offline: 4 };

export const score = (value: number) => value.toFixed(2);

/** Two scores with as many decimals as it takes to tell them apart (a tier crossing can be 0.7999 → 0.8). */
function scores(from: number, to: number): [string, string] {
  for (const digits of [2, 3, 4]) {
    if (from.toFixed(digits) !== to.toFixed(digits)) return [from.toFixed(digits), to.toFixed(digits)];
  }
  return [score(from), score(to)];
}

export function describeEvent(event: RegistryEvent): EventLine {
  const label = EVENT_LABELS[event.type];
  switch (event.type) {
    case "agent_registered":
      return { label, text: `registered (${event.agent.protocol}, v${event.agent.version})`, tone: "good", detail: event.agent.endpoint };
    case "agent_updated":
      return { label, text: `updated ${event.changed.length ? event.changed.join(", ") : "its card"}`, tone: "neutral", detail: null };
    case "agent_deregistered":
      return event.reason === "reaped"
        ? { label, text: "reaped", tone: "warn", detail: "offline longer than --deregister-after" }
        : { label, text: "deregistered", tone: "warn", detail: null };
    case "agent_health_changed": {
      const worse = HEALTH_RANK[event.status] > HEALTH_RANK[event.previous_status];
      const tone = event.status === "healthy" ? "good" : event.status === "degraded" ? "warn" : worse ? "bad" : "neutral";
      return { label, text: `${event.previous_status} → ${event.status}`, tone, detail: event.message };
    }
    case "trust_score_changed": {
      const [from, to] = scores(event.previous_score, event.score);
      return {
        label,
        text: `trust ${from} → ${to} (${event.tier})`,
        tone: event.score > event.previous_score ? "good" : event.score < event.previous_score ? "bad" : "neutral",
        detail: event.reason,
      };
    }
  }
}
