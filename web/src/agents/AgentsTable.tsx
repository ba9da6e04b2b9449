import type { Agent, ListSort } from "../../../src/shared/agent";
import { AgentRow } from "./AgentRow";
import type { ListParams } from "./fleet-view";

interface Props {
  agents: Agent[];
  params: ListParams;
  onSort(sort: ListSort): void;
}

export function AgentsTable({ agents, params, onSort }: Props) {
  const th = "py-2 pr-3 text-left text-[11px] font-medium tracking-wide text-zinc-500 uppercase";
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
      <colgroup>
        <col />
        <col className="w-28" />
        <col className="w-48" />
        <col className="w-32" />
        <col className="hidden w-24 md:table-column" />
        <col className="hidden w-24 lg:table-column" />
        <col className="hidden w-[28%] xl:table-column" />
      </colgroup>
      <thead className="sticky top-0 z-10 bg-zinc-950/95 backdrop-blur">
        <tr className="border-b border-zinc-800">
          {sortable("name", "Agent", "pl-4")}
          <th className={th}>Health</th>
          {sortable("trust_score", "Trust")}
          <th className={th}>Heartbeat</th>
          <th className={`${th} hidden md:table-cell`}>Version</th>
          <th className={`${th} hidden lg:table-cell`}>Protocol</th>
          <th className={`${th} hidden xl:table-cell`}>Tags</th>
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
