/** An agent's stored probe as the API shows it (`GET /agents/{id}/health`): ISO times, snake_case. */
import type { ProbeHealth } from "../../shared/probe.js";
import type { ProbeRecord } from "../store/probe-leases.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toProbeHealth(record: ProbeRecord): ProbeHealth {
  return {
    probe: record.config,
    state: record.counters.state,
    failing_since: record.counters.state === "failing" ? iso(record.counters.failingSince) : null,
    last_ok_at: iso(record.counters.lastOkAt),
    next_due_at: new Date(record.dueAt).toISOString(),
    recent: record.recent.map(({ at, ...result }) => ({ ...result, at: new Date(at).toISOString() })),
  };
}
