/**
 * From the `probe` object of a registration or update to the probe that is
 * stored and run: every setting the agent left out comes from the server's
 * defaults (`--probe-*`), and an `a2a` probe without a URL checks the agent's
 * card where it was registered from, else at its endpoint's well-known path.
 * The schema (src/shared/probe.ts) already holds each value within bounds;
 * what it cannot say — a timeout as long as the interval — is refused here,
 * as a field error the route answers as a 400 problem.
 */
import type { Config } from "../config.js";
import type { FieldError } from "../../shared/problems.js";
import type { ProbeSpec, ResolvedProbe } from "../../shared/probe.js";

export type ProbeDefaults = Pick<Config, "probeIntervalMs" | "probeTimeoutMs" | "probeFailures" | "probeSuccesses">;

/** The A2A well-known path of the current specification. */
export const AGENT_CARD_PATH = "/.well-known/agent-card.json";

export function resolveProbe(
  spec: ProbeSpec,
  defaults: ProbeDefaults,
  agent: { endpoint: string; cardUrl?: string | null },
): { ok: true; probe: ResolvedProbe } | { ok: false; error: FieldError } {
  const settings = {
    interval_ms: spec.interval_ms ?? defaults.probeIntervalMs,
    timeout_ms: spec.timeout_ms ?? defaults.probeTimeoutMs,
    failures: spec.failures ?? defaults.probeFailures,
    successes: spec.successes ?? defaults.probeSuccesses,
  };
  if (settings.timeout_ms >= settings.interval_ms) {
    const field = spec.timeout_ms !== undefined ? "body.probe.timeout_ms" : "body.probe.interval_ms";
    return { ok: false, error: { field, message: `the timeout (${settings.timeout_ms}ms) must be shorter than the interval (${settings.interval_ms}ms)` } };
  }
  // A probe's URL is shown to every reader (GET /agents/{id}/health): one that carries credentials is
  // refused here rather than kept (the guarded fetcher would refuse to fetch it anyway).
  if (spec.kind !== "tcp" && spec.url !== undefined && hasCredentials(spec.url)) {
    return { ok: false, error: { field: "body.probe.url", message: "URLs with credentials (user:password@) are not accepted: the probe's URL is public" } };
  }
  switch (spec.kind) {
    case "http":
      return { ok: true, probe: { kind: "http", url: spec.url, ...settings } };
    case "tcp":
      return { ok: true, probe: { kind: "tcp", host: spec.host, port: spec.port, ...settings } };
    case "a2a": {
      const url = spec.url ?? agent.cardUrl ?? wellKnownCardUrl(agent.endpoint);
      if (url === null) return { ok: false, error: { field: "body.probe.url", message: "the agent's endpoint is not an http(s) URL: give the card's URL" } };
      return { ok: true, probe: { kind: "a2a", url, ...settings } };
    }
  }
}

/** `<origin>/.well-known/agent-card.json` of an http(s) endpoint, or null for other schemes (ws, grpc). */
export function wellKnownCardUrl(endpoint: string): string | null {
  try {
    const u = new URL(endpoint);
    return u.protocol === "http:" || u.protocol === "https:" ? `${u.origin}${AGENT_CARD_PATH}` : null;
  } catch {
    return null;
  }
}

/** The host a probe talks to: the per-host cap counts probes by it. */
export function probeHost(probe: ResolvedProbe): string {
  if (probe.kind === "tcp") return probe.host.toLowerCase();
  try {
    return new URL(probe.url).hostname.toLowerCase();
  } catch {
    return probe.url;
  }
}

/**
 * An `a2a` probe whose URL was derived from the agent's endpoint (no URL given,
 * no card URL) follows the endpoint when it moves: the probe as it should now
 * be, or null when nothing follows (another kind, a URL of its own, the same
 * endpoint, or a new endpoint that is not http(s)).
 */
export function probeFollowingEndpoint(
  probe: ResolvedProbe | null,
  before: { endpoint: string; card_url: string | null },
  after: { endpoint: string; card_url: string | null },
): ResolvedProbe | null {
  if (probe?.kind !== "a2a" || before.endpoint === after.endpoint || after.card_url !== null || before.card_url !== null) return null;
  if (probe.url !== wellKnownCardUrl(before.endpoint)) return null;
  const url = wellKnownCardUrl(after.endpoint);
  return url === null || url === probe.url ? null : { ...probe, url };
}

function hasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== "" || u.password !== "";
  } catch {
    return false;
  }
}
