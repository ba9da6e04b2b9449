import { describe, expect, it } from "vitest";
import {
  TRUST_WEIGHTS,
  applyTrust,
  decay,
  decideReport,
  healthySinceAfterHeartbeat,
  publishedScore,
  reportWeight,
  reporterStanding,
  shouldPublish,
  type Reporter,
} from "./trust.js";

describe("trust rules", () => {
  it("punctual heartbeats gain a little, late ones nothing", () => {
    expect(applyTrust(0.5, { kind: "heartbeat", punctual: true })).toEqual({ raw: 0.5 + 0.002 * 0.5, reason: "punctual heartbeats" });
    expect(applyTrust(0.5, { kind: "heartbeat", punctual: false })).toEqual({ raw: 0.5, reason: "" });
  });

  it("beating faster than the interval earns no faster: the gain is in proportion to the time covered", () => {
    const beat = (elapsedMs: number) => applyTrust(0.5, { kind: "heartbeat", punctual: true, elapsedMs, intervalMs: 10_000 }).raw;
    expect(beat(10_000)).toBeCloseTo(0.5 + 0.002 * 0.5);
    expect(beat(14_000)).toBeCloseTo(0.5 + 0.002 * 0.5);
    expect(beat(1_000)).toBeCloseTo(0.5 + 0.0002 * 0.5);
    let fast = 0.5;
    for (let i = 0; i < 100; i++) fast = applyTrust(fast, { kind: "heartbeat", punctual: true, elapsedMs: 100, intervalMs: 10_000 }).raw;
    expect(fast).toBeCloseTo(beat(10_000), 5);
    expect(applyTrust(0.5, { kind: "heartbeat", punctual: true, elapsedMs: 0, intervalMs: 10_000 })).toEqual({ raw: 0.5, reason: "" });
  });

  it("going offline and reporting unhealthy or degraded lose proportionally", () => {
    expect(applyTrust(0.8, { kind: "status", status: "offline" }).raw).toBeCloseTo(0.8 * 0.95);
    expect(applyTrust(0.8, { kind: "status", status: "unhealthy" }).raw).toBeCloseTo(0.8 * 0.97);
    expect(applyTrust(0.8, { kind: "status", status: "degraded" }).raw).toBeCloseTo(0.8 * 0.99);
    expect(applyTrust(0.8, { kind: "status", status: "healthy" })).toEqual({ raw: 0.8, reason: "" });
  });

  it("reports: success gains, failure and timeout lose, slow success counts half, repeats count less", () => {
    const report = (outcome: "success" | "failure" | "timeout", priorReports = 0, latencyMs?: number) =>
      applyTrust(0.5, { kind: "report", outcome, reporterId: "r", weight: reportWeight(priorReports), latencyMs });
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
      up = applyTrust(up, { kind: "report", outcome: "success", reporterId: "r", weight: 1 }).raw;
      down = applyTrust(down, { kind: "report", outcome: "failure", reporterId: "r", weight: 1 }).raw;
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

const H = 3_600_000;
const NOW = 1_800_000_000_000;
const veteran: Reporter = { health_status: "healthy", created_at: NOW - 30 * 24 * H, healthy_since: NOW - 2 * H, trust_score: 0.6 };

describe("reporter standing", () => {
  it("is full for an agent past maturity, heartbeating healthily for an hour, at neutral trust or better", () => {
    expect(reporterStanding(veteran, NOW)).toBe(1);
    expect(reporterStanding({ ...veteran, trust_score: 0.5 }, NOW)).toBe(1);
    expect(reporterStanding({ ...veteran, health_status: "degraded" }, NOW)).toBe(1);
  });

  it("is nothing for an agent that is unknown, offline or unhealthy, or has no healthy run", () => {
    for (const health_status of ["unknown", "offline", "unhealthy"] as const) expect(reporterStanding({ ...veteran, health_status }, NOW)).toBe(0);
    expect(reporterStanding({ ...veteran, healthy_since: null }, NOW)).toBe(0);
  });

  it("is nothing during the first hour (probation), then grows linearly with age to 24 h and with the healthy run to 1 h", () => {
    expect(reporterStanding({ ...veteran, created_at: NOW - 12 * H }, NOW)).toBeCloseTo(0.5);
    expect(reporterStanding({ ...veteran, created_at: NOW - 10 * 60_000, healthy_since: NOW - 10 * 60_000 }, NOW)).toBe(0);
    expect(reporterStanding({ ...veteran, created_at: NOW - H + 1 }, NOW)).toBe(0);
    expect(reporterStanding({ ...veteran, created_at: NOW - H }, NOW)).toBeCloseTo(1 / 24);
    expect(reporterStanding({ ...veteran, created_at: NOW - 2 * H, healthy_since: NOW - 30 * 60_000 }, NOW)).toBeCloseTo((2 / 24) * 0.5);
    expect(reporterStanding({ ...veteran, healthy_since: NOW - 15 * 60_000 }, NOW)).toBeCloseTo(0.25);
    expect(reporterStanding({ ...veteran, created_at: NOW, healthy_since: NOW }, NOW)).toBe(0);
  });

  it("shrinks with the reporter's own trust: nothing at 0.2 or below, half at 0.35", () => {
    expect(reporterStanding({ ...veteran, trust_score: 0.35 }, NOW)).toBeCloseTo(0.5);
    expect(reporterStanding({ ...veteran, trust_score: 0.2 }, NOW)).toBe(0);
    expect(reporterStanding({ ...veteran, trust_score: 0.05 }, NOW)).toBe(0);
  });

  it("maturity 0 drops the age and run factors, not the health and trust ones", () => {
    const fresh = { ...veteran, created_at: NOW, healthy_since: NOW };
    expect(reporterStanding(fresh, NOW, 0)).toBe(1);
    expect(reporterStanding({ ...fresh, health_status: "unknown" }, NOW, 0)).toBe(0);
    expect(reporterStanding({ ...fresh, trust_score: 0.35 }, NOW, 0)).toBeCloseTo(0.5);
  });

  it("the healthy run goes on through punctual healthy or degraded beats, restarts at a late one, ends otherwise", () => {
    expect(healthySinceAfterHeartbeat(null, "unknown", "healthy", false, NOW)).toBe(NOW);
    expect(healthySinceAfterHeartbeat(NOW - H, "healthy", "healthy", true, NOW)).toBe(NOW - H);
    expect(healthySinceAfterHeartbeat(NOW - H, "healthy", "degraded", true, NOW)).toBe(NOW - H);
    expect(healthySinceAfterHeartbeat(NOW - H, "degraded", "healthy", true, NOW)).toBe(NOW - H);
    expect(healthySinceAfterHeartbeat(NOW - H, "healthy", "healthy", false, NOW)).toBe(NOW);
    expect(healthySinceAfterHeartbeat(NOW - H, "healthy", "unhealthy", true, NOW)).toBeNull();
    expect(healthySinceAfterHeartbeat(null, "unhealthy", "healthy", true, NOW)).toBe(NOW);
    expect(healthySinceAfterHeartbeat(NOW - H, "offline", "healthy", true, NOW)).toBe(NOW);
  });
});

describe("decideReport: standing, repeats and the target's window", () => {
  const base = { raw: 0.5, outcome: "failure" as const, reporterId: "r", standing: 1, priorReports: 0, window: { start: 0, weight: 0 }, now: NOW };

  it("a full-standing report moves as the weights table says and opens a window", () => {
    const d = decideReport(base);
    expect(d.weight).toBe(1);
    expect(d.move.raw).toBeCloseTo(0.5 - 0.06 * 0.5);
    expect(d.move.reason).toBe("failure reported by r");
    expect(d.window).toEqual({ start: NOW, weight: 1 });
  });

  it("weight = standing × 1/n for the n-th report of this reporter", () => {
    expect(decideReport({ ...base, standing: 0.4, priorReports: 1 }).weight).toBeCloseTo(0.2);
    expect(decideReport({ ...base, standing: 0.4, priorReports: 1 }).move.raw).toBeCloseTo(0.5 - 0.06 * 0.2 * 0.5);
  });

  it("a report without standing weighs nothing, moves nothing and takes none of the window", () => {
    const d = decideReport({ ...base, standing: 0, window: { start: NOW - 1000, weight: 0.5 } });
    expect(d).toEqual({ weight: 0, offered: 0, window: { start: NOW - 1000, weight: 0.5 }, move: { raw: 0.5, reason: "" } });
  });

  it("the window caps the weight all reporters together can apply: 2 per hour, then a new window", () => {
    const cap = TRUST_WEIGHTS.targetWindowCap;
    const nearlyFull = decideReport({ ...base, window: { start: NOW - 10 * 60_000, weight: cap - 0.25 } });
    expect(nearlyFull.weight).toBeCloseTo(0.25);
    expect(nearlyFull.offered).toBe(1);
    expect(nearlyFull.window.weight).toBeCloseTo(cap);
    const full = decideReport({ ...base, window: nearlyFull.window });
    expect(full.weight).toBe(0);
    expect(full.move.raw).toBe(0.5);
    const later = decideReport({ ...base, window: nearlyFull.window, now: nearlyFull.window.start + TRUST_WEIGHTS.targetWindowMs });
    expect(later.weight).toBe(1);
    expect(later.window).toEqual({ start: nearlyFull.window.start + TRUST_WEIGHTS.targetWindowMs, weight: 1 });
  });

  it("however many reporters flood one window, the score moves at most the cap's worth", () => {
    let raw = 0.5;
    let window = { start: 0, weight: 0 };
    for (let i = 0; i < 10_000; i++) {
      const d = decideReport({ ...base, raw, reporterId: `sybil-${i}`, window, now: NOW + i });
      raw = d.move.raw;
      window = d.window;
    }
    expect(raw).toBeCloseTo(0.5 * (1 - 0.06) ** TRUST_WEIGHTS.targetWindowCap, 9);
  });

  it("at full volume: 100 agents reporting 20 a second for 10 minutes move nothing when new, at most the window's worth when a day old", () => {
    const flood = (age: number) => {
      let raw = 0.5;
      let window = { start: 0, weight: 0 };
      for (let s = 0; s < 600; s++) {
        const now = NOW + s * 1000;
        for (let a = 0; a < 100; a++) {
          // Registered `age` before the flood began and heartbeating punctually ever since: the most standing it can have.
          const standing = reporterStanding({ health_status: "healthy", created_at: NOW - age, healthy_since: NOW - age, trust_score: 0.5 }, now);
          for (let k = 0; k < 20; k++) {
            const d = decideReport({ ...base, raw, reporterId: `a${a}`, standing, priorReports: s * 20 + k, window, now });
            raw = d.move.raw;
            window = d.window;
          }
        }
      }
      return 0.5 - raw;
    };
    expect(flood(0)).toBe(0);
    // The window's 2 weight, spent in many small reports: a little under two full failures.
    const established = flood(24 * H);
    expect(established).toBeGreaterThan(0.05);
    expect(established).toBeLessThanOrEqual(0.5 - 0.5 * 0.94 ** TRUST_WEIGHTS.targetWindowCap);
  });

  it("a window that starts after now (another instance's clock ahead) is treated as over", () => {
    expect(decideReport({ ...base, window: { start: NOW + 5000, weight: 2 } }).window).toEqual({ start: NOW, weight: 1 });
  });
});
