import type { Agent, ListSort } from "@agentmesh/client";
import { AgentRow } from "./AgentRow";
import type { ListParams } from "./fleet-view";

interface Props {
  agents: Agent[];
  params: ListParams;
  onSort(sort: ListSort): void;
}

export function AgentsTable({ agents, params, onSort }: Props) {
  const th = "py-1.5 pr-3 text-left text-[11px] font-medium tracking-wide text-muted uppercase";
  const sortable = (sort: ListSort, label: string, extra = "") => (
    <th className={`${th} ${extra}`} aria-sort={params.sort === sort ? (params.order === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" onClick={() => onSort(sort)} className={`uppercase hover:text-zinc-200 ${params.sort === sort ? "text-zinc-200" : ""}`}>
        {label}
        {params.sort === sort ? (params.order === "asc" ? " ↑" : " ↓") : ""}
      </button>
    </th>
  );
  return (
    <table className="w-full table-fixed border-collapse text-sm" data-testid="agents-table">
      <thead className="sticky top-0 z-10 bg-zinc-950/95 backdrop-blur">
        <tr className="border-b border-zinc-800">
          {sortable("name", "Agent", "pl-3")}
          <th className={`${th} w-26`}>Health</th>
          {sortable("trust_score", "Trust", "w-18 sm:w-52")}
          <th className={`${th} hidden w-30 sm:table-cell`}>Heartbeat</th>
          <th className={`${th} hidden w-22 md:table-cell`}>Version</th>
          <th className={`${th} hidden w-22 lg:table-cell`}>Protocol</th>
          <th className={`${th} hidden w-[20%] min-[1400px]:table-cell`}>Tags</th>
        </tr>
      </thead>
      <tbody>
        {agents.map((agent) => (
          <AgentRow key={agent.id} agent={agent} />
        ))}
      </tbody>
    </table>
  );
}
