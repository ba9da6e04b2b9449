import { useDeferredValue, useMemo } from "react";
import { useSearchParams } from "react-router";
import type { ListSort } from "@agentmesh/client";
import { Empty, ErrorState, Loading } from "../components/states";
import { EventFeed } from "../feed/EventFeed";
import { useFleet } from "../hooks/useFleet";
import { AgentsTable } from "./AgentsTable";
import { DEFAULT_ORDER, paramsFromSearch, searchFromParams, selectAgents, totals, type ListParams } from "./fleet-view";
import { ListControls } from "./ListControls";
import { TotalsBar } from "./TotalsBar";

export function AgentsPage() {
  const fleet = useFleet();
  const [search, setSearch] = useSearchParams();
  const params = paramsFromSearch(search);
  const deferred = useDeferredValue(params);
  const agents = fleet.data?.agents;
  const rows = useMemo(() => (agents ? selectAgents(agents, deferred) : []), [agents, deferred.health, deferred.q, deferred.sort, deferred.order]);
  const counts = useMemo(() => (fleet.data ? totals(fleet.data) : null), [fleet.data]);

  const change = (patch: Partial<ListParams>) => {
    const next = { ...params, ...patch };
    if (patch.sort && !patch.order) next.order = DEFAULT_ORDER[patch.sort];
    setSearch(searchFromParams(next), { replace: true });
  };
  const sortBy = (sort: ListSort) => change(sort === params.sort ? { order: params.order === "asc" ? "desc" : "asc" } : { sort });

  return (
    <div className="grid min-h-0 flex-1 grid-cols-1 content-start xl:grid-cols-[minmax(0,1fr)_23rem] xl:content-stretch">
      <div className="flex min-w-0 flex-col gap-3 p-4">
        <h1 className="sr-only">Agents</h1>
        {counts && <TotalsBar totals={counts} health={params.health} onHealth={(health) => change({ health })} />}
        <ListControls params={params} shown={rows.length} total={counts?.total ?? 0} onChange={change} />
        <div className="min-h-0 overflow-x-auto rounded border border-zinc-800">
          {fleet.isPending ? (
            <Loading what="agents" />
          ) : fleet.isError && !fleet.data ? (
            <ErrorState error={fleet.error} what="the agents" onRetry={() => void fleet.refetch()} />
          ) : counts?.total === 0 ? (
            <Empty title="No agents registered yet">
              Register one with <code className="text-zinc-300">POST /api/v1/agents</code> or run <code className="text-zinc-300">agentmesh simulate</code>; it appears here the moment it does.
            </Empty>
          ) : rows.length === 0 ? (
            <Empty title="No agent matches">Change the search or the health filter.</Empty>
          ) : (
            <AgentsTable agents={rows} params={params} onSort={sortBy} />
          )}
        </div>
      </div>
      <aside className="flex max-h-[28rem] min-h-0 flex-col border-t border-zinc-800 xl:sticky xl:top-12 xl:max-h-[calc(100vh-3rem)] xl:border-t-0 xl:border-l">
        <EventFeed />
      </aside>
    </div>
  );
}
