/**
 * Why an agent has the health it has, from what the page holds: the
 * registry's own sentence (`health_reason`), the probe summary, and the
 * latest point of the health history with its cause. Pure, so the cases are
 * tested without a browser.
 */
import type { Agent, AgentProbe, HealthPoint, HealthReport } from "@agentmesh/client";
import { healthReasonOf, probeOf } from "../api/probe-view";
import { describeCause } from "../format/probe";

export interface HealthExplanation {
  /** The registry's reason, e.g. "heartbeat says healthy; probe failing since …" (null from a registry without reasons). */
  reason: string | null;
  probe: AgentProbe | null;
  /** The latest health change and its cause in words (null before any change, or when the registry does not say). */
  latest: { point: HealthPoint; cause: string | null } | null;
}

export function explainHealth(agent: Agent, health: HealthReport | undefined): HealthExplanation {
  const point = health?.history.at(-1);
  return {
    // The snapshot follows every event; the health answer is as of the page's opening.
    reason: (healthReasonOf(agent) === undefined ? health?.health_reason : healthReasonOf(agent)) ?? null,
    probe: probeOf(agent),
    latest: point ? { point, cause: describeCause(point) } : null,
  };
}
