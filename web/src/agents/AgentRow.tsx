import { memo } from "react";
import { Link, useNavigate } from "react-router";
import type { Agent } from "@agentmesh/client";
import { probeOf } from "../api/probe-view";
import { HealthBadge } from "../components/HealthBadge";
import { ProbeState } from "../components/ProbeState";
import { Tag } from "../components/Tag";
import { Heartbeat } from "../components/Heartbeat";
import { TrustBar } from "../components/TrustBar";
import { useFlash } from "../hooks/useFlash";

interface RowProps {
  agent: Agent;
  /** It just entered the view through a live change: shown arriving. */
  entered?: boolean;
  /** It just left the view through a live change: shown briefly, fading, before it goes. */
  leaving?: boolean;
}

export const AgentRow = memo(function AgentRow({ agent, entered = false, leaving = false }: RowProps) {
  const ref = useFlash<HTMLTableRowElement>(agent.revision);
  const navigate = useNavigate();
  const href = `/agents/${encodeURIComponent(agent.id)}`;
  return (
    <tr
      ref={ref}
      data-testid="agent-row"
      data-agent-id={agent.id}
      data-revision={agent.revision}
      data-entered={entered || undefined}
      data-leaving={leaving || undefined}
      onClick={(e) => {
        if (!(e.target as HTMLElement).closest("a")) navigate(href);
      }}
      className={`cursor-pointer border-b border-zinc-800/70 hover:bg-zinc-900/80 ${entered ? "animate-flash" : ""} ${leaving ? "opacity-60 line-through decoration-zinc-600" : ""}`}
    >
      <td className="max-w-0 py-1 pr-3 pl-3">
        {/* On a phone the name wraps instead of being cut; from sm up one line with an ellipsis. */}
        <Link
          to={href}
          data-testid="agent-name"
          className="block text-[13px] leading-5 font-medium [overflow-wrap:anywhere] text-zinc-100 hover:text-sky-300 sm:truncate"
          title={agent.name}
        >
          {agent.name}
        </Link>
        <div className="font-mono text-[11px] leading-4 [overflow-wrap:anywhere] text-muted sm:truncate" title={agent.id}>
          {agent.id}
        </div>
      </td>
      <td className="py-1 pr-3">
        <HealthBadge status={agent.health_status} />
        <ProbeState probe={probeOf(agent)} block className="mt-0.5" />
      </td>
      <td className="py-1 pr-3">
        <TrustBar score={agent.trust_score} tier={agent.trust_tier} />
      </td>
      <td className="hidden py-1 pr-3 text-xs whitespace-nowrap sm:table-cell" data-testid="heartbeat">
        <Heartbeat agent={agent} />
      </td>
      <td className="hidden py-1 pr-3 font-mono text-xs text-zinc-400 md:table-cell">{agent.version}</td>
      <td className="hidden py-1 pr-3 text-xs text-zinc-400 lg:table-cell">{agent.protocol}</td>
      <td className="hidden max-w-0 py-1 pr-4 min-[1400px]:table-cell">
        <div className="flex gap-1 overflow-hidden" title={agent.tags.join(", ")}>
          {agent.tags.map((t) => (
            <Tag key={t} name={t} />
          ))}
        </div>
      </td>
    </tr>
  );
});
