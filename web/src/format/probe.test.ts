import { describe, expect, it } from "vitest";
import { describeCause, describeProbeResult, probeTitle, securitySchemeLabel } from "./probe";

describe("describeProbeResult", () => {
  it("says the status and time of a pass, and why a failure failed", () => {
    expect(describeProbeResult({ kind: "a2a", ok: true, latency_ms: 12, status_code: 200 })).toBe("200 in 12 ms");
    expect(describeProbeResult({ kind: "tcp", ok: true, latency_ms: 3 })).toBe("ok in 3 ms");
    expect(describeProbeResult({ kind: "http", ok: false, latency_ms: 2000, error: "timeout" })).toBe("failed after 2000 ms: timeout");
    expect(describeProbeResult({ kind: "http", ok: false, latency_ms: 40, status_code: 503 })).toBe("answered 503 after 40 ms");
  });
});

describe("describeCause", () => {
  const point = { at: "2026-12-02T09:00:00Z", status: "unhealthy" as const, previous_status: "healthy" as const, message: null };
  it("names the source, with the probe result or the agent's message", () => {
    expect(describeCause({ ...point, source: "probe", probe: { kind: "a2a", ok: false, latency_ms: 5, error: "connection reset" } })).toBe(
      "the registry's probe: a2a probe failed after 5 ms: connection reset",
    );
    expect(describeCause({ ...point, source: "heartbeat", message: "disk full" })).toBe("the agent's heartbeat: “disk full”");
    expect(describeCause({ ...point, status: "offline", source: "sweep" })).toBe("silence (no heartbeat in time)");
  });
  it("says nothing for a point logged before sources existed", () => {
    expect(describeCause(point)).toBeNull();
  });
});

describe("probeTitle", () => {
  const iso = (at: string) => `<${at}>`;
  it("says since when a probe fails, or when it last passed", () => {
    expect(probeTitle({ kind: "http", state: "failing", failing_since: "T1", last_ok_at: "T0" }, iso)).toBe("http probe failing since <T1>");
    expect(probeTitle({ kind: "a2a", state: "passing", failing_since: null, last_ok_at: "T2" }, iso)).toBe("a2a probe passing; last passed <T2>");
    expect(probeTitle({ kind: "tcp", state: "unknown", failing_since: null, last_ok_at: null }, iso)).toBe("tcp probe unknown");
  });
});

describe("securitySchemeLabel", () => {
  it("reads A2A 1.0 and 0.3 schemes alike", () => {
    expect(securitySchemeLabel({ httpAuthSecurityScheme: { scheme: "Bearer", bearerFormat: "JWT" } })).toBe("HTTP Bearer (JWT)");
    expect(securitySchemeLabel({ type: "http", scheme: "bearer" })).toBe("HTTP bearer");
    expect(securitySchemeLabel({ apiKeySecurityScheme: { location: "header", name: "X-API-Key" } })).toBe("API key in header X-API-Key");
    expect(securitySchemeLabel({ type: "apiKey", in: "query", name: "key" })).toBe("API key in query key");
    expect(securitySchemeLabel({ oauth2SecurityScheme: { flows: {} } })).toBe("OAuth 2.0");
    expect(securitySchemeLabel({ openIdConnectSecurityScheme: { openIdConnectUrl: "https://x" } })).toBe("OpenID Connect");
    expect(securitySchemeLabel({ type: "mutualTLS" })).toBe("mutual TLS");
    expect(securitySchemeLabel("nonsense")).toBe("unknown");
  });
});
