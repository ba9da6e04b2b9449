/** How probes, health causes and A2A security schemes read on the dashboard. Pure, so they are tested without a browser. */
import type { AgentProbe, HealthPoint, HealthSource, ProbeResult, ProbeState } from "@agentmesh/client";

/** What a probe state means to someone looking at the fleet: can the registry reach the agent? */
export const PROBE_WORDS: Record<ProbeState, string> = { passing: "reachable", failing: "unreachable", unknown: "probing…" };

/** The tooltip of a probe state: kind, state, and since when it fails or when it last passed. */
export function probeTitle(probe: AgentProbe, dateTime: (at: string) => string): string {
  const base = `${probe.kind} probe ${probe.state}`;
  if (probe.state === "failing" && probe.failing_since) return `${base} since ${dateTime(probe.failing_since)}`;
  if (probe.last_ok_at) return `${base}; last passed ${dateTime(probe.last_ok_at)}`;
  return base;
}

/** "200 in 12 ms", "failed after 2000 ms: connection refused". */
export function describeProbeResult(result: ProbeResult): string {
  if (result.ok) return `${result.status_code !== undefined ? `${result.status_code} ` : "ok "}in ${result.latency_ms} ms`;
  const status = result.status_code !== undefined ? `answered ${result.status_code}` : "failed";
  return `${status} after ${result.latency_ms} ms${result.error ? `: ${result.error}` : ""}`;
}

const SOURCE_WORDS: Record<HealthSource, string> = { heartbeat: "the agent's heartbeat", probe: "the registry's probe", sweep: "silence (no heartbeat in time)" };

/** Why the latest health change happened, in a phrase: "the registry's probe: a2a probe failed after 2000 ms: connection reset". */
export function describeCause(point: HealthPoint): string | null {
  if (!point.source) return null;
  const cause = SOURCE_WORDS[point.source];
  if (point.source === "probe" && point.probe) return `${cause}: ${point.probe.kind} probe ${describeProbeResult(point.probe)}`;
  if (point.source === "heartbeat" && point.message) return `${cause}: “${point.message}”`;
  return cause;
}

/**
 * A security scheme's kind in words, from either card version: A2A 1.0 wraps
 * each scheme in a one-key object named for its kind (`httpAuthSecurityScheme`
 * …), 0.3 says `type` (`http`, `apiKey`, `oauth2`, `openIdConnect`, `mutualTLS`).
 */
export function securitySchemeLabel(scheme: unknown): string {
  if (scheme === null || typeof scheme !== "object") return "unknown";
  const s = scheme as Record<string, Record<string, unknown> | string | undefined>;
  const http = (s.httpAuthSecurityScheme as Record<string, unknown> | undefined) ?? (s.type === "http" ? s : undefined);
  if (http) return `HTTP ${String(http.scheme ?? "auth")}${http.bearerFormat ? ` (${String(http.bearerFormat)})` : ""}`;
  const key = (s.apiKeySecurityScheme as Record<string, unknown> | undefined) ?? (s.type === "apiKey" ? s : undefined);
  if (key) return `API key${key.name ? ` in ${String(key.location ?? key.in ?? "header")} ${String(key.name)}` : ""}`;
  if (s.oauth2SecurityScheme || s.type === "oauth2") return "OAuth 2.0";
  if (s.openIdConnectSecurityScheme || s.type === "openIdConnect") return "OpenID Connect";
  if (s.mtlsSecurityScheme || s.type === "mutualTLS") return "mutual TLS";
  return typeof s.type === "string" ? s.type : (Object.keys(s)[0] ?? "unknown");
}
