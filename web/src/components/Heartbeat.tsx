/**
 * The last heartbeat, told honestly. A heartbeat that changes nothing is not
 * published, so for an agent that is heartbeating (healthy, degraded,
 * unhealthy) the snapshot's time is only the last one this page heard of; what
 * we do know is that it is still within the registry's offline window, or it
 * would be offline. So: "live" for those (the known time in the tooltip), and
 * an exact, ticking "last seen" for offline agents, whose time no longer moves.
 */
import type { Agent } from "@agentmesh/client";
import { dateTime } from "../format/time";
import { RelativeTime } from "./RelativeTime";

export function Heartbeat({ agent }: { agent: Pick<Agent, "health_status" | "last_heartbeat_at"> }) {
  const at = agent.last_heartbeat_at;
  if (agent.health_status === "unknown" || at === null) {
    return <span className="text-muted" title="No heartbeat yet">never</span>;
  }
  if (agent.health_status === "offline") {
    return (
      <span className="text-zinc-400">
        last seen <RelativeTime at={at} />
      </span>
    );
  }
  return (
    <span
      className="inline-flex items-center gap-1.5 text-zinc-300"
      title={`Heartbeating: it would be offline if heartbeats had stopped. Last heartbeat this page saw: ${dateTime(at)} (heartbeats that change nothing are not streamed).`}
    >
      <span aria-hidden className="size-1.5 rounded-full bg-emerald-400 animate-breathe" />
      live
    </span>
  );
}
