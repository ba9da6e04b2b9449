import { describe, expect, it } from "vitest";
import { Pacer } from "./pacer.js";

/** A clock that only moves when someone sleeps: every turn's time is exact. */
function fakeTime() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => void (now += ms),
  };
}

describe("Pacer", () => {
  it("spaces turns by its interval, and speeds up after a run of successes", async () => {
    const t = fakeTime();
    const pacer = new Pacer({ intervalMs: 100, now: t.now, sleep: t.sleep });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const turn = await pacer.turn();
      times.push(t.now());
      pacer.succeeded(turn);
    }
    expect(times).toEqual([0, 100, 200, 300, 400]);
    for (let i = 0; i < 20; i++) pacer.succeeded(await pacer.turn());
    expect(pacer.intervalMs).toBeLessThan(100);
  });

  it("on a 429 holds every caller until Retry-After, then goes at half the pace", async () => {
    const t = fakeTime();
    const pacer = new Pacer({ intervalMs: 100, now: t.now, sleep: t.sleep });
    const first = await pacer.turn();
    pacer.refused(first, 1000);
    expect(pacer.intervalMs).toBe(200);
    await pacer.turn();
    expect(t.now()).toBe(1000);
    await pacer.turn();
    expect(t.now()).toBe(1200);
  });

  it("slows down once for a burst of 429s answering requests sent before the first came back", async () => {
    const t = fakeTime();
    const pacer = new Pacer({ intervalMs: 100, now: t.now, sleep: async () => {} });
    const inFlight = [await pacer.turn(), await pacer.turn(), await pacer.turn()];
    for (const turn of inFlight) pacer.refused(turn, 1000);
    expect(pacer.intervalMs).toBe(200);
  });

  it("a caller already waiting for its turn when a 429 arrives waits for Retry-After too", async () => {
    let now = 0;
    const sleeps: (() => void)[] = [];
    const pacer = new Pacer({ intervalMs: 100, now: () => now, sleep: (ms) => new Promise((r) => sleeps.push(() => ((now = Math.max(now, ms)), r()))) });
    const first = await pacer.turn(); // at 0, no wait
    const second = pacer.turn(); // reserved for 100: sleeping
    pacer.refused(first, 1000);
    sleeps.shift()!(); // its sleep ends at 100: it must queue again behind Retry-After
    await Promise.resolve();
    await Promise.resolve();
    expect(sleeps.length).toBe(1);
    now = 1000;
    sleeps.shift()!();
    await second;
  });

  it("close() ends the waits at once", async () => {
    const pacer = new Pacer({ intervalMs: 60_000 });
    await pacer.turn();
    const waiting = pacer.turn();
    pacer.close();
    await waiting;
    await pacer.turn();
  });
});
