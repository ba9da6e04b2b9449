/**
 * The last heartbeat on the detail page: exact as of when the page fetched the
 * agent (and after "check now"). Heartbeats that change nothing are not
 * streamed, so for a heartbeating agent we say how old the value was when it
 * was read rather than letting a stale time tick up.
 */
import type { Agent } from "@agentmesh/client";
import { RelativeTime } from "../components/RelativeTime";
import { dateTime, relativeTime } from "../format/time";

interface Props {
  agent: Agent;
  /** When the page read the agent (ms). */
  readAt: number | null;
  checking: boolean;
  onCheck(): void;
}

export function LastHeartbeat({ agent, readAt, checking, onCheck }: Props) {
  const at = agent.last_heartbeat_at;
  if (at === null) return <p className="text-sm text-muted">No heartbeat yet.</p>;
  if (agent.health_status === "offline") {
    return (
      <p className="text-sm text-zinc-300" data-testid="last-heartbeat">
        last seen <RelativeTime at={at} /> <span className="text-xs text-muted">({dateTime(at)})</span>
      </p>
    );
  }
  const age = readAt !== null ? relativeTime(Date.parse(at), Math.max(readAt, Date.parse(at))) : null;
  return (
    <div className="text-sm" data-testid="last-heartbeat">
      <span className="font-mono text-zinc-200">{dateTime(at)}</span>
      <button type="button" onClick={onCheck} disabled={checking} className="ml-2 rounded border border-zinc-800 px-1.5 text-xs text-zinc-400 hover:bg-zinc-800 disabled:opacity-50">
        {checking ? "checking…" : "↻ check now"}
      </button>
      <p className="mt-0.5 text-xs text-muted">
        {age && <>{age === "just now" ? "Just sent" : `Sent ${age.replace(" ago", "")} before`} this page read it. </>}
        Heartbeats that change nothing are not streamed; if they stop, the agent turns offline here as soon as the registry notices.
      </p>
    </div>
  );
}
