import { useDeferredValue, useState } from "react";
import { useSearchParams } from "react-router";
import type { ListSort } from "@agentmesh/client";
import { Empty, ErrorState, Loading } from "../components/states";
import { EventFeed } from "../feed/EventFeed";
import { useSettled } from "../hooks/useSettled";
import { useStats } from "../hooks/useStats";
import { AgentsTable } from "./AgentsTable";
import { DEFAULT_ORDER, paramsFromSearch, searchFromParams, totals, type ListParams } from "./fleet-view";
import { rowsToRender, type Viewport } from "./list-window";
import { ListControls } from "./ListControls";
import { TotalsBar } from "./TotalsBar";
import { useAgentWindow } from "./useAgentWindow";

/** A row's height before one is measured (one line of name, one of id). */
const ROW_HEIGHT = 45;
/** How long the search waits after the last key before the rows are asked for (ms). */
const SEARCH_WAIT_MS = 250;

/**
 * The agents page: totals from `/stats`, and the table's visible rows from the
 * list API for the filters in the URL, each kept live by the event stream.
 */
export function AgentsPage() {
  const stats = useStats();
  const [search, setSearch] = useSearchParams();
  const params = paramsFromSearch(search);
  // Typing stays responsive: the request follows the deferred value, and the search what was typed once typing pauses.
  const q = useSettled(params.q, SEARCH_WAIT_MS);
  const deferred = useDeferredValue({ ...params, q });
  const [viewport, setViewport] = useState<Omit<Viewport, "total">>({ scrollTop: 0, height: 900, rowHeight: ROW_HEIGHT });
  const [knownTotal, setKnownTotal] = useState(0);
  const range = rowsToRender({ ...viewport, total: Math.max(knownTotal, 1) });
  const view = useAgentWindow(deferred, range);
  if (view.total !== null && view.total !== knownTotal) setKnownTotal(view.total);
  const counts = stats.data ? totals(stats.data) : null;

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
        <ListControls params={params} shown={view.total ?? 0} total={counts?.total ?? 0} onChange={change} />
        <div className="min-h-0 overflow-x-auto rounded border border-zinc-800">
          {view.isPending ? (
            <Loading what="agents" />
          ) : view.error && view.total === null ? (
            <ErrorState error={view.error} what="the agents" onRetry={view.refetch} />
          ) : counts?.total === 0 && view.total === 0 ? (
            <Empty title="No agents registered yet">
              Register one with <code className="text-zinc-300">POST /api/v1/agents</code> or run <code className="text-zinc-300">agentmesh simulate</code>; it appears here the moment it does.
            </Empty>
          ) : view.total === 0 ? (
            <Empty title="No agent matches">Change the search or the filters.</Empty>
          ) : (
            <AgentsTable
              params={params}
              onSort={sortBy}
              total={view.total ?? 0}
              range={range}
              rows={view.rows}
              entered={view.entered}
              leaving={view.leaving}
              rowHeight={viewport.rowHeight}
              onViewport={setViewport}
            />
          )}
        </div>
      </div>
      <aside className="flex max-h-[28rem] min-h-0 flex-col border-t border-zinc-800 xl:sticky xl:top-12 xl:max-h-[calc(100vh-3rem)] xl:border-t-0 xl:border-l">
        <EventFeed />
      </aside>
    </div>
  );
}
