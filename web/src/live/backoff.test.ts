import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  it("doubles per attempt up to the cap", () => {
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, almostOne, { baseMs: 1000, capMs: 30_000 }))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it("jitters each delay between half and all of its step", () => {
    expect(backoffDelay(3, () => 0, { baseMs: 1000 })).toBe(2000);
    expect(backoffDelay(3, () => 0.5, { baseMs: 1000 })).toBe(3000);
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(2)));
    expect(backoffDelay(20, () => 0.999999)).toBe(15_000);
    expect(seen.size).toBeGreaterThan(5);
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});
