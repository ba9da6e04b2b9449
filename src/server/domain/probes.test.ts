import { describe, expect, it } from "vitest";
import { applyProbeResult, combineHealth, INITIAL_COUNTERS, type HealthInput, type ProbeCounters } from "./probes.js";

const damping = { failures: 3, successes: 2 };

/** Folds a run of results (true = ok), one per second from t=1000, and returns every state change. */
function run(results: boolean[], start: ProbeCounters = INITIAL_COUNTERS) {
  let c = start;
  const changes: string[] = [];
  results.forEach((ok, i) => {
    const { next, change } = applyProbeResult(c, ok, 1000 * (i + 1), damping);
    if (change) changes.push(`${i}:${change.from}->${change.to}`);
    c = next;
  });
  return { counters: c, changes };
}

describe("flap damping", () => {
  it("an unknown probe passes on its first success", () => {
    expect(run([true]).changes).toEqual(["0:unknown->passing"]);
  });

  it("one failed probe moves nothing; the third in a row makes it failing", () => {
    const passing = run([true]).counters;
    expect(run([false], passing).changes).toEqual([]);
    expect(run([false, false], passing).changes).toEqual([]);
    const { counters, changes } = run([false, false, false], passing);
    expect(changes).toEqual(["2:passing->failing"]);
    expect(counters.failingSince).toBe(1000); // the run began with the first failure
    expect(counters.lastOkAt).toBe(1000); // from the earlier run, kept
  });

  it("a target failing every other probe never changes state", () => {
    const flapping = Array.from({ length: 40 }, (_, i) => i % 2 === 0);
    expect(run(flapping).changes).toEqual(["0:unknown->passing"]);
    const failingFirst = run([false, false, false]).counters;
    expect(failingFirst.state).toBe("failing");
    expect(run(flapping, failingFirst).changes).toEqual([]);
  });

  it("a failing probe recovers only after the run of successes, and keeps failingSince until then", () => {
    const failing = run([false, false, false]).counters;
    expect(failing.failingSince).toBe(1000);
    const one = applyProbeResult(failing, true, 9000, damping);
    expect(one.change).toBeNull();
    expect(one.next.failingSince).toBe(1000);
    const two = applyProbeResult(one.next, true, 10_000, damping);
    expect(two.change).toEqual({ from: "failing", to: "passing" });
    expect(two.next.failingSince).toBeNull();
    expect(two.next.lastOkAt).toBe(10_000);
  });

  it("a failure during recovery starts the count of successes again", () => {
    const failing = run([false, false, false]).counters;
    expect(run([true, false, true], failing).changes).toEqual([]);
    expect(run([true, false, true, true], failing).changes).toEqual(["3:failing->passing"]);
  });

  it("honours other run lengths: failures 1 moves on the first failure", () => {
    const { change } = applyProbeResult({ ...INITIAL_COUNTERS, state: "passing" }, false, 5, { failures: 1, successes: 1 });
    expect(change).toEqual({ from: "passing", to: "failing" });
  });
});

describe("health from heartbeats and probes", () => {
  const base: HealthInput = { reported: "healthy", lastHeartbeatAt: 95_000, createdAt: 0, probe: null, now: 100_000, offlineAfterMs: 30_000 };
  const failing = { state: "failing" as const, failingSince: 70_000, lastOkAt: 69_000, lastError: "timeout: no answer in 5000ms" };

  it("without a probe, the heartbeat decides, as before", () => {
    expect(combineHealth(base)).toMatchObject({ status: "healthy", cause: "heartbeat" });
    expect(combineHealth({ ...base, reported: "degraded" })).toMatchObject({ status: "degraded" });
    expect(combineHealth({ ...base, lastHeartbeatAt: 70_000 })).toMatchObject({ status: "offline" });
    expect(combineHealth({ ...base, reported: null, lastHeartbeatAt: null, createdAt: 90_000 })).toMatchObject({ status: "unknown" });
    expect(combineHealth({ ...base, reported: null, lastHeartbeatAt: null, createdAt: 70_000 })).toMatchObject({ status: "offline", cause: "registration" });
  });

  it("an agent that heartbeats but fails its probe is unhealthy, with the probe's reason", () => {
    const h = combineHealth({ ...base, probe: failing });
    expect(h.status).toBe("unhealthy");
    expect(h.cause).toBe("probe");
    expect(h.reason).toBe("heartbeat says healthy; probe failing since 1970-01-01T00:01:10.000Z: timeout: no answer in 5000ms");
  });

  it("a passing or not yet decided probe leaves the reported status alone", () => {
    expect(combineHealth({ ...base, reported: "degraded", probe: { state: "passing", failingSince: null, lastOkAt: 99_000 } }).status).toBe("degraded");
    expect(combineHealth({ ...base, probe: { state: "unknown", failingSince: 99_000, lastOkAt: null } }).status).toBe("healthy");
  });

  it("a probe-only agent gets its health from probes alone", () => {
    const probeOnly = { ...base, reported: null, lastHeartbeatAt: null, createdAt: 10_000 };
    expect(combineHealth({ ...probeOnly, probe: { state: "passing", failingSince: null, lastOkAt: 99_000 } })).toMatchObject({ status: "healthy", reason: "probe passing" });
    expect(combineHealth({ ...probeOnly, probe: { ...failing, lastOkAt: 80_000 } })).toMatchObject({ status: "unhealthy", cause: "probe" });
    expect(combineHealth({ ...probeOnly, probe: failing })).toMatchObject({ status: "offline", cause: "probe" });
    expect(combineHealth({ ...probeOnly, createdAt: 90_000, probe: { state: "unknown", failingSince: null, lastOkAt: null } }).status).toBe("unknown");
  });

  it("a passing probe keeps an agent online past offline-after: damping, not one late probe, decides it is gone", () => {
    const h = combineHealth({ ...base, reported: null, lastHeartbeatAt: null, probe: { state: "passing", failingSince: 90_000, lastOkAt: 50_000 } });
    expect(h.status).toBe("healthy");
  });

  it("an agent whose heartbeats stopped but still answers probes is degraded, not offline", () => {
    const h = combineHealth({ ...base, lastHeartbeatAt: 10_000, probe: { state: "passing", failingSince: null, lastOkAt: 99_000 } });
    expect(h).toMatchObject({ status: "degraded", cause: "probe" });
    expect(h.reason).toContain("no heartbeat since 1970-01-01T00:00:10.000Z");
  });

  it("offline needs neither a heartbeat nor a successful probe for offline-after", () => {
    const stale = { ...base, lastHeartbeatAt: 10_000 };
    expect(combineHealth({ ...stale, probe: { ...failing, lastOkAt: 75_000 } }).status).toBe("unhealthy");
    expect(combineHealth({ ...stale, probe: { ...failing, lastOkAt: 70_000 } })).toMatchObject({ status: "offline", cause: "probe" });
    expect(combineHealth({ ...stale, probe: { ...failing, lastOkAt: 5_000 } })).toMatchObject({ status: "offline", cause: "heartbeat" });
  });
});
