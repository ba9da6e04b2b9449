/**
 * Health rules, pure: state and input in, next state out; `now` is passed in.
 *
 * - `unknown` until the first heartbeat; a heartbeat sets the status it reports
 *   (`healthy` when it reports none);
 * - `offline` is derived: no heartbeat (or, for an agent that never sent one, no
 *   registration) for `offlineAfterMs`;
 * - a status change is announced, and only a change.
 */
import type { HealthStatus, ReportedStatus } from "../../shared/agent.js";

export function statusAfterHeartbeat(reported: ReportedStatus | undefined): HealthStatus {
  return reported ?? "healthy";
}

/** The moment silence started counting: the last heartbeat, or registration when there was none. */
export function lastSign(agent: { last_heartbeat_at: number | null; created_at: number }): number {
  return agent.last_heartbeat_at ?? agent.created_at;
}

export function isSilent(agent: { health_status: HealthStatus; last_heartbeat_at: number | null; created_at: number }, now: number, offlineAfterMs: number): boolean {
  return agent.health_status !== "offline" && now - lastSign(agent) >= offlineAfterMs;
}

/**
 * A heartbeat is punctual when it arrives within 1.5 intervals of the previous
 * one and the agent was not offline: only steady heartbeats earn trust.
 */
export function isPunctual(previousHeartbeatAt: number | null, previousStatus: HealthStatus, now: number, intervalMs: number): boolean {
  return previousHeartbeatAt !== null && previousStatus !== "offline" && now - previousHeartbeatAt <= intervalMs * 1.5;
}
