import { describe, expect, it } from "vitest";
import { firstDueAt, JITTER, nextDueAt, secondDueAt } from "./schedule.js";

describe("probe schedule", () => {
  it("keeps each probe's phase, one interval after it was due, stretched or shrunk by at most the jitter", () => {
    expect(nextDueAt(100_000, 100_050, 30_000, () => 0.5)).toBe(130_000);
    expect(nextDueAt(100_000, 100_050, 30_000, () => 0)).toBe(130_000 - 30_000 * JITTER);
    expect(nextDueAt(100_000, 100_050, 30_000, () => 1)).toBe(130_000 + 30_000 * JITTER);
  });

  it("spreads a probe that fell more than an interval behind over the next interval, instead of bunching the backlog", () => {
    const now = 1_000_000;
    const spread = [0, 0.25, 0.75].map((r) => nextDueAt(100_000, now, 30_000, () => r));
    expect(spread).toEqual([now, now + 7500, now + 22_500]);
  });

  it("a new probe is due soon: within 5 s, or within its interval if that is shorter", () => {
    expect(firstDueAt(0, 30_000, () => 1)).toBe(5000);
    expect(firstDueAt(0, 2000, () => 1)).toBe(2000);
    expect(firstDueAt(0, 30_000, () => 0)).toBe(0);
  });

  it("after the first result, takes a phase of its own anywhere in the interval, so probes registered together do not stay a wave", () => {
    expect([0, 0.5, 1].map((r) => secondDueAt(1_000, 30_000, () => r))).toEqual([16_000, 31_000, 46_000]);
  });
});
