import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  it("doubles from the base up to the cap, with jitter between half and all of it", () => {
    expect(backoffDelay(0, { baseMs: 100, random: () => 1 })).toBe(100);
    expect(backoffDelay(3, { baseMs: 100, random: () => 1 })).toBe(800);
    expect(backoffDelay(3, { baseMs: 100, random: () => 0 })).toBe(400);
    expect(backoffDelay(50, { baseMs: 100, maxMs: 5000, random: () => 1 })).toBe(5000);
  });
});
