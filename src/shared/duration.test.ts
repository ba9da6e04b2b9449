import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1d", 86_400_000],
    ["1.5s", 1500],
    ["1m30s", 90_000],
    ["1h15m", 4_500_000],
    ["1d12h", 129_600_000],
    ["2m500ms", 120_500],
    ["1h0m5s", 3_605_000],
    [" 10s ", 10_000],
    ["0s", 0],
  ])("%s is %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "10", "soon", "-5s", "+5s", "5 s", "30s1m", "1m1m", "1m 30s", "5sec", "1.s", ".5s", "1e3ms", "5S", "1h30", "9".repeat(400) + "d"])("%j is not a duration", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it("round-trips with formatDuration", () => {
    for (const ms of [1, 500, 1000, 90_000, 3_605_000, 129_600_000, 86_400_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(0)).toBe("0s");
  });
});
