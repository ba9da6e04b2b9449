import { afterEach, describe, expect, it, vi } from "vitest";
import { Sweeper } from "./sweeper.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("sweeper", () => {
  it("sweeps and reaps every interval, decays and prunes about once a minute, never overlaps, and stops cleanly", async () => {
    vi.useFakeTimers();
    let now = 0;
    const calls: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const sweeper = new Sweeper({
      registry: {
        async sweep() {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          calls.push("sweep");
          await new Promise((r) => setTimeout(r, 1500)); // slower than the interval
          inFlight--;
          return 0;
        },
        async reap() {
          calls.push("reap");
          return 0;
        },
        async decayIdle() {
          calls.push("decay");
          return 0;
        },
      },
      store: {
        async prune(maxEvents, olderThan) {
          calls.push(`prune ${maxEvents} ${olderThan}`);
          return 0;
        },
      },
      config: { sweepIntervalMs: 1000, historyMaxEvents: 500, historyMaxAgeMs: 3_600_000 },
      clock: { now: () => now },
      onError: (err) => calls.push(`error ${String(err)}`),
    });
    sweeper.start();
    for (let i = 0; i < 70; i++) {
      now += 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(maxInFlight).toBe(1);
    expect(calls.filter((c) => c === "sweep").length).toBeGreaterThanOrEqual(30);
    expect(calls.filter((c) => c === "decay")).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith("prune"))).toHaveLength(1);
    const prune = calls.find((c) => c.startsWith("prune"))!;
    const [, max, olderThan] = prune.split(" ").map(Number);
    expect(max).toBe(500);
    expect(olderThan).toBeGreaterThan(60_000 - 3_600_000);
    const stopping = sweeper.stop();
    await vi.advanceTimersByTimeAsync(2000);
    await stopping;
    expect(vi.getTimerCount()).toBe(0);
    // each run sweeps, then reaps (the run in progress at stop() included)
    expect(calls.filter((c) => c === "reap").length).toBe(calls.filter((c) => c === "sweep").length);
    expect(calls.indexOf("reap")).toBe(calls.indexOf("sweep") + 1);
    expect(calls.some((c) => c.startsWith("error"))).toBe(false);
  });
});
