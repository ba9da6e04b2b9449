import { describe, expect, it } from "vitest";
import type { TrustPoint } from "@agentmesh/client";
import { T0, at } from "../test/factories";
import { trustGeometry, type ChartBox } from "./trust-chart-geometry";

const box: ChartBox = { width: 110, height: 110, pad: { l: 10, r: 0, t: 10, b: 0 } };
const point = (seconds: number, score: number): TrustPoint => ({ at: at(seconds), score, tier: "reliable", reason: "r" });

describe("trustGeometry", () => {
  it("draws steps from the first point to now, scores on a 0–1 axis", () => {
    const g = trustGeometry([point(0, 0.5), point(50, 0.8)], 0.8, T0, T0 + 100_000, box);
    expect(g.line).toBe("M10,60 H60 V30 H110");
    expect(g.area).toBe("M10,60 H60 V30 H110 V110 H10 Z");
    expect(g.dots.map((d) => [d.x, d.y])).toEqual([
      [10, 60],
      [60, 30],
    ]);
    expect(g.y(1)).toBe(10);
    expect(g.y(0)).toBe(110);
  });

  it("draws a flat line at the current score since registration when there is no history", () => {
    const g = trustGeometry([], 0.5, T0, T0 + 10_000, box);
    expect(g.line).toBe("M10,60 H110");
    expect(g.dots).toEqual([]);
  });

  it("ends at the current score when it moved after the last point it was given", () => {
    const g = trustGeometry([point(0, 0.5)], 0.7, T0, T0 + 100_000, box);
    expect(g.line).toBe("M10,60 H110 V40");
  });
});
