import { describe, expect, it } from "vitest";
import { decideStallTimeout } from "./stall.js";

describe("decideStallTimeout", () => {
  it("defaults to 45 s, or 3 keep-alives when the server's is longer", () => {
    expect(decideStallTimeout(undefined, undefined)).toEqual({ ok: true, ms: 45_000 });
    expect(decideStallTimeout(undefined, 15_000)).toEqual({ ok: true, ms: 45_000 });
    expect(decideStallTimeout(undefined, 60_000)).toEqual({ ok: true, ms: 180_000 });
  });

  it("keeps a given timeout that exceeds the keep-alive by a fifth, or when the server does not say", () => {
    expect(decideStallTimeout(18_000, 15_000)).toEqual({ ok: true, ms: 18_000 });
    expect(decideStallTimeout(1_000, undefined)).toEqual({ ok: true, ms: 1_000 });
  });

  it("refuses one the keep-alive would trip, naming the smallest it accepts", () => {
    const d = decideStallTimeout(5_000, 15_000);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.detail).toMatch(/keep-alive of 15000 ms.*at least 18000/);
    expect(decideStallTimeout(17_999, 15_000).ok).toBe(false);
  });
});
