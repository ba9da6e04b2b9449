import { afterEach, describe, expect, it, vi } from "vitest";
import { coalesce } from "./coalesce";

afterEach(() => vi.useRealTimers());

describe("coalesce", () => {
  it("runs once after a burst goes quiet", () => {
    vi.useFakeTimers();
    const run = vi.fn();
    const c = coalesce(run, 100, 500);
    for (let i = 0; i < 10; i++) {
      c.trigger();
      vi.advanceTimersByTime(10);
    }
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("still runs every max wait while triggers never stop", () => {
    vi.useFakeTimers();
    const run = vi.fn();
    const c = coalesce(run, 100, 500);
    for (let i = 0; i < 100; i++) {
      c.trigger();
      vi.advanceTimersByTime(50);
    }
    expect(run.mock.calls.length).toBeGreaterThanOrEqual(9);
    expect(run.mock.calls.length).toBeLessThanOrEqual(11);
  });

  it("runs nothing once cancelled", () => {
    vi.useFakeTimers();
    const run = vi.fn();
    const c = coalesce(run, 100, 500);
    c.trigger();
    c.cancel();
    vi.advanceTimersByTime(1000);
    expect(run).not.toHaveBeenCalled();
  });
});
