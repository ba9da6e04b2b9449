/**
 * The agents table, rendered virtually: a scroll container whose height
 * stands for every row of the answer, with only the rows on screen (plus a few
 * either side) in the DOM, between two spacers. It reports where it is
 * scrolled and how tall a row is; the page decides which rows that means.
 */
import { useEffect, useLayoutEffect, useRef } from "react";
import type { Agent, ListSort } from "@agentmesh/client";
import { AgentRow } from "./AgentRow";
import type { ListParams } from "./fleet-view";
import { spacers, type RowRange, type Viewport } from "./list-window";

interface Props {
  params: ListParams;
  onSort(sort: ListSort): void;
  total: number;
  range: RowRange;
  /** One per index of `range`; undefined while its page loads. */
  rows: readonly (Agent | undefined)[];
  entered: ReadonlySet<string>;
  leaving: readonly { index: number; agent: Agent }[];
  rowHeight: number;
  onViewport(viewport: Omit<Viewport, "total">): void;
}

const COLUMNS = 7;

export function AgentsTable({ params, onSort, total, range, rows, entered, leaving, rowHeight, onViewport }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLTableSectionElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  const report = useRef(onViewport);
  report.current = onViewport;

  const measure = (height = rowHeight) => {
    const el = scroller.current;
    if (!el) return;
    report.current({ scrollTop: el.scrollTop - (head.current?.offsetHeight ?? 0), height: el.clientHeight, rowHeight: height });
  };

  // Rows are one line high from `sm` up and may wrap on a phone: measure them rather than assume.
  useLayoutEffect(() => {
    const first = body.current?.querySelector<HTMLElement>('[data-testid="agent-row"]');
    const measured = first?.getBoundingClientRect().height;
    if (measured && Math.abs(measured - rowHeight) > 0.5) measure(measured);
  });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let frame = 0;
    const onScroll = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => measure());
    };
    const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(onScroll);
    resize?.observe(el);
    el.addEventListener("scroll", onScroll, { passive: true });
    measure();
    return () => {
      cancelAnimationFrame(frame);
      resize?.disconnect();
      el.removeEventListener("scroll", onScroll);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const th = "py-1.5 pr-3 text-left text-[11px] font-medium tracking-wide text-muted uppercase";
  const sortable = (sort: ListSort, label: string, extra = "") => (
    <th className={`${th} ${extra}`} aria-sort={params.sort === sort ? (params.order === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" onClick={() => onSort(sort)} className={`uppercase hover:text-zinc-200 ${params.sort === sort ? "text-zinc-200" : ""}`}>
        {label}
        {params.sort === sort ? (params.order === "asc" ? " ↑" : " ↓") : ""}
      </button>
    </th>
  );
  const gap = spacers(range, total, rowHeight);
  const items = withLeaving(range, rows, leaving);
  return (
    <div ref={scroller} className="h-[calc(100vh-14rem)] min-h-72 overflow-auto" data-testid="agents-scroll">
      <table className="w-full table-fixed border-collapse text-sm" data-testid="agents-table" aria-rowcount={total + 1}>
        <thead ref={head} className="sticky top-0 z-10 bg-zinc-950/95 backdrop-blur">
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
        <tbody ref={body}>
          {gap.top > 0 && <Spacer height={gap.top} />}
          {items.map((item) =>
            item.agent ? (
              <AgentRow key={item.key} agent={item.agent} entered={entered.has(item.agent.id)} leaving={item.leaving} />
            ) : (
              <tr key={item.key} data-testid="agent-row-loading" style={{ height: rowHeight }} className="border-b border-zinc-800/70">
                <td colSpan={COLUMNS} className="px-3 text-xs text-muted">
                  …
                </td>
              </tr>
            ),
          )}
          {gap.bottom > 0 && <Spacer height={gap.bottom} />}
        </tbody>
      </table>
    </div>
  );
}

function Spacer({ height }: { height: number }) {
  return (
    <tr aria-hidden style={{ height }}>
      <td colSpan={COLUMNS} className="p-0" />
    </tr>
  );
}

/** The rows of `range` with the rows that just left put back at their old place, briefly. */
function withLeaving(range: RowRange, rows: readonly (Agent | undefined)[], leaving: readonly { index: number; agent: Agent }[]) {
  const items = rows.map((agent, i) => ({ key: agent ? agent.id : `loading:${range.start + i}`, agent, leaving: false }));
  const present = new Set(rows.map((a) => a?.id));
  for (const { index, agent } of [...leaving].sort((a, b) => b.index - a.index)) {
    if (present.has(agent.id)) continue;
    items.splice(Math.max(0, Math.min(items.length, index - range.start)), 0, { key: agent.id, agent, leaving: true });
  }
  return items;
}
