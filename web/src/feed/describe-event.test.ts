import { describe, expect, it } from "vitest";
import { agent, deregistered, healthChanged, registered, trustChanged, updated } from "../test/factories";
import { describeEvent } from "./describe-event";

describe("describeEvent", () => {
  it("says what changed, readable on its own", () => {
    expect(describeEvent(healthChanged(agent("a", { health_status: "offline" }), "healthy", "no heartbeat for 31s"))).toEqual({
      label: "health",
      text: "healthy → offline",
      tone: "bad",
      detail: "no heartbeat for 31s",
    });
    expect(describeEvent(trustChanged(agent("a", { trust_score: 0.61, trust_tier: "reliable" }), 0.52, "success reported by b"))).toMatchObject({
      text: "trust 0.52 → 0.61 (reliable)",
      tone: "good",
      detail: "success reported by b",
    });
    expect(describeEvent(trustChanged(agent("a", { trust_score: 0.45, trust_tier: "experimental" }), 0.5)).tone).toBe("bad");
    expect(describeEvent(trustChanged(agent("a", { trust_score: 0.8, trust_tier: "elite" }), 0.7996)).text).toBe("trust 0.7996 → 0.8000 (elite)");
    expect(describeEvent(registered(agent("a", { protocol: "a2a", version: "1.2.0" }))).text).toBe("registered (a2a, v1.2.0)");
    expect(describeEvent(updated(agent("a"), ["version", "tags"])).text).toBe("updated version, tags");
    expect(describeEvent(deregistered("a", 3)).text).toBe("deregistered");
    expect(describeEvent({ ...deregistered("a", 3), reason: "reaped" })).toMatchObject({ text: "reaped", detail: "offline longer than --deregister-after" });
  });

  it("colours recoveries good and degradations as warnings", () => {
    expect(describeEvent(healthChanged(agent("a", { health_status: "healthy" }), "offline")).tone).toBe("good");
    expect(describeEvent(healthChanged(agent("a", { health_status: "degraded" }), "healthy")).tone).toBe("warn");
    expect(describeEvent(healthChanged(agent("a", { health_status: "unhealthy" }), "degraded")).tone).toBe("bad");
  });
});
