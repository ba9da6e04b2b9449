import { describe, expect, it } from "vitest";
import type { HealthReport, ProbeHealth, TrustReport } from "@agentmesh/client";
import { agent, at, healthChanged, registered, trustChanged, updated } from "../test/factories";
import { applyToHealth, applyToTrust, later } from "./history-updates";

const trust: TrustReport = { agent_id: "a", score: 0.5, tier: "reliable", history: [{ at: at(10), score: 0.5, tier: "reliable", reason: "start" }] };
const health: HealthReport = { agent_id: "a", status: "healthy", health_reason: null, probe: null, last_heartbeat_at: at(10), history: [{ at: at(5), status: "healthy", previous_status: "unknown", message: null }] };

describe("applyToTrust", () => {
  it("appends the new point", () => {
    const next = applyToTrust(trust, trustChanged(agent("a", { trust_score: 0.4, trust_tier: "experimental", updated_at: at(20) }), 0.5, "failure"));
    expect(next.history.at(-1)).toEqual({ at: at(20), score: 0.4, tier: "experimental", reason: "failure" });
    expect(next.tier).toBe("experimental");
  });

  it("ignores other agents, other event types and points it already has", () => {
    expect(applyToTrust(trust, trustChanged(agent("b", { updated_at: at(20) }), 0.4))).toBe(trust);
    expect(applyToTrust(trust, updated(agent("a", { updated_at: at(20) })))).toBe(trust);
    expect(applyToTrust(trust, trustChanged(agent("a", { updated_at: at(10) }), 0.4))).toBe(trust);
  });
});

describe("applyToHealth", () => {
  it("appends a transition and follows the status", () => {
    const next = applyToHealth(health, healthChanged(agent("a", { health_status: "degraded", updated_at: at(30), last_heartbeat_at: at(29) }), "healthy", "slow"));
    expect(next.status).toBe("degraded");
    expect(next.last_heartbeat_at).toBe(at(29));
    expect(next.history.at(-1)).toEqual({ at: at(30), status: "degraded", previous_status: "healthy", message: "slow", source: "heartbeat" });
  });

  it("keeps a probe's cause with the point, and adds its result to the recent probes", () => {
    const probe: ProbeHealth = {
      probe: { kind: "http", url: "http://127.0.0.1:9/healthz", interval_ms: 5000, timeout_ms: 2000, failures: 2, successes: 1 },
      state: "passing",
      failing_since: null,
      last_ok_at: at(20),
      next_due_at: at(35),
      recent: [{ kind: "http", ok: true, latency_ms: 3, status_code: 200, at: at(20) }],
    };
    const result = { kind: "http" as const, ok: false, latency_ms: 2000, error: "timeout" };
    const failing = agent("a", { health_status: "unhealthy", updated_at: at(30), probe: { kind: "http", state: "failing", failing_since: at(25), last_ok_at: at(20) } } as never);
    const event = { ...healthChanged(failing, "healthy"), source: "probe" as const, probe: result };
    const next = applyToHealth({ ...health, probe }, event);
    expect(next.history.at(-1)).toMatchObject({ status: "unhealthy", source: "probe", probe: result });
    expect(next.probe?.recent.at(-1)).toEqual({ ...result, at: at(30) });
    expect(next.probe).toMatchObject({ state: "failing", failing_since: at(25) });
    // A report of an agent without a probe (probe: null) gets none.
    expect(applyToHealth(health, event).probe).toBeNull();
  });

  it("takes a later heartbeat time from any event, never an earlier one", () => {
    expect(applyToHealth(health, registered(agent("a", { last_heartbeat_at: at(40) }))).last_heartbeat_at).toBe(at(40));
    expect(applyToHealth(health, registered(agent("a", { last_heartbeat_at: at(1) })))).toBe(health);
  });
});

describe("later", () => {
  it("treats null as never", () => {
    expect(later(null, at(1))).toBe(at(1));
    expect(later(at(2), null)).toBe(at(2));
    expect(later(at(2), at(1))).toBe(at(2));
  });
});
