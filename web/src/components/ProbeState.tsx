import type { AgentProbe, ProbeState as State } from "@agentmesh/client";
import { dateTime } from "../format/time";
import { PROBE_WORDS, probeTitle } from "../format/probe";

const STYLE: Record<State, { mark: string; text: string }> = {
  passing: { mark: "bg-emerald-400", text: "text-emerald-300" },
  failing: { mark: "bg-rose-500", text: "text-rose-300" },
  unknown: { mark: "bg-sky-400/60", text: "text-muted" },
};

/**
 * Whether the registry can reach the agent, for a fleet row (below its health)
 * (`block`: on its own line) or a detail header: nothing when the agent has no probe. A square mark, so
 * it does not read as a second health dot; the word carries the meaning.
 */
export function ProbeState({ probe, block = false, className = "" }: { probe: AgentProbe | null; block?: boolean; className?: string }) {
  if (!probe) return null;
  const style = STYLE[probe.state];
  return (
    <span
      data-testid="probe-state"
      data-state={probe.state}
      title={probeTitle(probe, dateTime)}
      className={`${block ? "flex" : "inline-flex"} items-center gap-1 text-[11px] leading-4 whitespace-nowrap ${style.text} ${className}`}
    >
      <span aria-hidden className={`inline-block size-1.5 shrink-0 rounded-[1px] ${style.mark}`} />
      {PROBE_WORDS[probe.state]}
    </span>
  );
}
