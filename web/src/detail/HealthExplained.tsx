import type { Agent, HealthReport } from "@agentmesh/client";
import { ProbeState } from "../components/ProbeState";
import { RelativeTime } from "../components/RelativeTime";
import { explainHealth } from "./health-explained";

/** The agent's health, explained: the registry's reason, whether it is probed, and what caused the latest change. */
export function HealthExplained({ agent, health }: { agent: Agent; health: HealthReport | undefined }) {
  const { reason, probe, latest } = explainHealth(agent, health);
  return (
    <div className="mb-3 space-y-1 text-sm" data-testid="health-explained">
      {reason && (
        <p className="text-zinc-200" data-testid="health-reason">
          {reason}
        </p>
      )}
      <p className="text-xs text-zinc-400" data-testid="probe-summary">
        {probe ? (
          <>
            <ProbeState probe={probe} /> <span className="text-muted">· the registry checks it with an {probe.kind} probe</span>
            {probe.state === "failing" && probe.failing_since && (
              <span className="text-muted">
                {" "}
                · failing since <RelativeTime at={probe.failing_since} />
              </span>
            )}
            {probe.last_ok_at && (
              <span className="text-muted">
                {" "}
                · last passed <RelativeTime at={probe.last_ok_at} />
              </span>
            )}
          </>
        ) : (
          <span className="text-muted">Not probed: the health shown is what the agent reports about itself.</span>
        )}
      </p>
      {latest?.cause && (
        <p className="text-xs text-zinc-400" data-testid="health-cause">
          Last change <RelativeTime at={latest.point.at} />, to <span className="text-zinc-200">{latest.point.status}</span>, by {latest.cause}
        </p>
      )}
    </div>
  );
}
