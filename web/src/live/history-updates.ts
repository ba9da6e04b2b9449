/**
 * How stream events extend an open detail page's trust and health histories,
 * without refetching them: pure functions that append what the event says and
 * return the same object when the event adds nothing (other agent, other type,
 * or a point the history already has).
 */
import type { AgentHealthChangedEvent, HealthReport, RegistryEvent, TrustReport } from "@agentmesh/client";
import { probeOf } from "../api/probe-view";

/** Points kept per chart; the server answers its own recent window. */
export const MAX_POINTS = 500;

export function applyToTrust(report: TrustReport, event: RegistryEvent): TrustReport {
  if (event.type !== "trust_score_changed" || event.agent_id !== report.agent_id) return report;
  const last = report.history.at(-1);
  if (last && Date.parse(last.at) >= Date.parse(event.timestamp)) return report;
  const point = { at: event.timestamp, score: event.score, tier: event.tier, reason: event.reason };
  return { ...report, score: event.score, tier: event.tier, history: [...report.history, point].slice(-MAX_POINTS) };
}

export function applyToHealth(report: HealthReport, event: RegistryEvent): HealthReport {
  if (event.agent_id !== report.agent_id || event.type === "agent_deregistered") return report;
  const seen = event.agent.last_heartbeat_at;
  const lastHeartbeat = later(report.last_heartbeat_at, seen);
  if (event.type !== "agent_health_changed") {
    return lastHeartbeat === report.last_heartbeat_at ? report : { ...report, last_heartbeat_at: lastHeartbeat };
  }
  const last = report.history.at(-1);
  if (last && Date.parse(last.at) >= Date.parse(event.timestamp)) return report;
  // The cause rides along (source, and the probe result that completed a run), so the page can say why.
  const point = {
    at: event.timestamp,
    status: event.status,
    previous_status: event.previous_status,
    message: event.message,
    ...(event.source ? { source: event.source } : {}),
    ...(event.source === "probe" ? { probe: event.probe } : {}),
  };
  const next = { ...report, status: event.status, last_heartbeat_at: lastHeartbeat, history: [...report.history, point].slice(-MAX_POINTS) };
  return event.source === "probe" ? withProbeResult(next, event) : next;
}

/** A probe's transition also adds its result to the report's recent probes, and its state. */
function withProbeResult(report: HealthReport, event: Extract<AgentHealthChangedEvent, { source: "probe" }>): HealthReport {
  if (!report.probe) return report;
  const summary = probeOf(event.agent);
  const probe = {
    ...report.probe,
    ...(summary ? { state: summary.state, failing_since: summary.failing_since, last_ok_at: summary.last_ok_at } : {}),
    recent: [...report.probe.recent, { ...event.probe, at: event.timestamp }].slice(-MAX_POINTS),
  };
  return { ...report, probe };
}

/** The later of two ISO times (null counts as never). */
export function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}
