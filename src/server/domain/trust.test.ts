import { describe, expect, it } from "vitest";
import { TRUST_WEIGHTS, applyTrust, decay, publishedScore, reportWeight, shouldPublish } from "./trust.js";

describe("trust rules", () => {
  it("punctual heartbeats gain a little, late ones nothing", () => {
    expect(applyTrust(0.5, { kind: "heartbeat", punctual: true })).toEqual({ raw: 0.5 + 0.002 * 0.5, reason: "punctual heartbeats" });
    expect(applyTrust(0.5, { kind: "heartbeat", punctual: false })).toEqual({ raw: 0.5, reason: "" });
  });

  it("going offline and reporting unhealthy or degraded lose proportionally", () => {
    expect(applyTrust(0.8, { kind: "status", status: "offline" }).raw).toBeCloseTo(0.8 * 0.95);
    expect(applyTrust(0.8, { kind: "status", status: "unhealthy" }).raw).toBeCloseTo(0.8 * 0.97);
    expect(applyTrust(0.8, { kind: "status", status: "degraded" }).raw).toBeCloseTo(0.8 * 0.99);
    expect(applyTrust(0.8, { kind: "status", status: "healthy" })).toEqual({ raw: 0.8, reason: "" });
  });

  it("reports: success gains, failure and timeout lose, slow success counts half, repeats count less", () => {
    const report = (outcome: "success" | "failure" | "timeout", priorReports = 0, latencyMs?: number) =>
      applyTrust(0.5, { kind: "report", outcome, reporterId: "r", priorReports, latencyMs });
    expect(report("success").raw).toBeCloseTo(0.5 + 0.03 * 0.5);
    expect(report("success", 0, 9000).raw).toBeCloseTo(0.5 + 0.015 * 0.5);
    expect(report("success", 0, 9000).reason).toBe("slow success reported by r");
    expect(report("failure").raw).toBeCloseTo(0.5 - 0.06 * 0.5);
    expect(report("timeout").raw).toBeCloseTo(0.5 - 0.05 * 0.5);
    expect(report("failure", 1).raw).toBeCloseTo(0.5 - 0.03 * 0.5);
    expect([0, 1, 2, 3].map(reportWeight)).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
  });

  it("stays in [0, 1] however many reports arrive", () => {
    let up = 0.5;
    let down = 0.5;
    for (let i = 0; i < 10_000; i++) {
      up = applyTrust(up, { kind: "report", outcome: "success", reporterId: "r", priorReports: 0 }).raw;
      down = applyTrust(down, { kind: "report", outcome: "failure", reporterId: "r", priorReports: 0 }).raw;
    }
    expect(up).toBeLessThanOrEqual(1);
    expect(up).toBeGreaterThan(0.99);
    expect(down).toBeGreaterThanOrEqual(0);
    expect(down).toBeLessThan(0.01);
  });

  it("decays toward 0.5 with a 24 h half-life, composably", () => {
    const day = TRUST_WEIGHTS.decayHalfLifeMs;
    expect(decay(0.9, day)).toBeCloseTo(0.7);
    expect(decay(0.1, day)).toBeCloseTo(0.3);
    expect(decay(decay(0.9, day / 2), day / 2)).toBeCloseTo(decay(0.9, day));
    expect(decay(0.9, 0)).toBe(0.9);
  });

  it("publishes on a move of at least the step or a tier crossing, not on tiny drift", () => {
    expect(shouldPublish(0.6, 0.605, 0.01)).toBe(false);
    expect(shouldPublish(0.6, 0.61, 0.01)).toBe(true);
    expect(shouldPublish(0.6, 0.59, 0.01)).toBe(true);
    expect(shouldPublish(0.5, 0.4999, 0.01)).toBe(true);
    expect(shouldPublish(0.799, 0.8, 0.01)).toBe(true);
    expect(publishedScore(0.123456)).toBe(0.1235);
  });
});
