import { Compile } from "typebox/compile";
import { describe, expect, it } from "vitest";
import { ProbeHealth } from "../../shared/probe.js";
import type { ProbeRecord } from "../store/probe-leases.js";
import { toProbeHealth } from "./view.js";

const record: ProbeRecord = {
  agentId: "a",
  config: { kind: "http", url: "https://a.example/h", interval_ms: 30_000, timeout_ms: 5000, failures: 3, successes: 2 },
  dueAt: 90_000,
  leaseOwner: null,
  leaseUntil: null,
  counters: { state: "passing", consecutiveFailures: 1, consecutiveSuccesses: 0, failingSince: 60_000, lastOkAt: 30_000 },
  lastResult: null,
  recent: [
    { kind: "http", ok: true, latency_ms: 4, status_code: 200, at: 30_000 },
    { kind: "http", ok: false, latency_ms: 5000, error: "timeout: no answer", at: 60_000 },
  ],
  pendingTransition: null,
};

describe("toProbeHealth", () => {
  it("shows the probe, its state and its recent results with ISO times, matching the response schema", () => {
    const view = toProbeHealth(record);
    expect(view).toEqual({
      probe: record.config,
      state: "passing",
      failing_since: null, // a run of failures not long enough yet is not "failing since"
      last_ok_at: "1970-01-01T00:00:30.000Z",
      next_due_at: "1970-01-01T00:01:30.000Z",
      recent: [
        { kind: "http", ok: true, latency_ms: 4, status_code: 200, at: "1970-01-01T00:00:30.000Z" },
        { kind: "http", ok: false, latency_ms: 5000, error: "timeout: no answer", at: "1970-01-01T00:01:00.000Z" },
      ],
    });
    expect(Compile(ProbeHealth).Check(view)).toBe(true);
    const failing = toProbeHealth({ ...record, counters: { ...record.counters, state: "failing" } });
    expect(failing.failing_since).toBe("1970-01-01T00:01:00.000Z");
  });
});
