/**
 * The rows of the agents table around what is on screen: the pages of the
 * list API that cover `range`, for the table's filters and sort, kept live by
 * refetching them (coalesced) when an event may change them. Reports the rows
 * that entered or left through a refetch, so the table can show them arriving
 * and leaving.
 */
import { useQueries, useQueryClient, type QueryObserverResult } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import type { Agent, AgentList } from "@agentmesh/client";
import { fetchPage, pageKey, windowKey } from "../api/agents-window";
import { useRefetchOnEvents } from "../hooks/useRefetchOnEvents";
import { useLive } from "../live/LiveContext";
import type { ListParams } from "./fleet-view";
import { mayAffectWindow, PAGE_SIZE, pagesToFetch, rowsFromPages, windowChanges, type RowRange } from "./list-window";

/** How long a row that left stays on screen, fading (ms). */
export const LEAVING_MS = 1200;

export interface AgentWindow {
  /** Rows in the whole answer; null until the first page arrives. */
  total: number | null;
  /** One entry per index of `range`; undefined where the page is still loading. */
  rows: (Agent | undefined)[];
  /** Ids that entered through a live refetch (shown arriving). */
  entered: ReadonlySet<string>;
  /** Rows that left through a live refetch, still shown briefly, with the index they had. */
  leaving: readonly { index: number; agent: Agent }[];
  isPending: boolean;
  error: Error | null;
  refetch(): void;
}

export function useAgentWindow(params: ListParams, range: RowRange): AgentWindow {
  const live = useLive();
  const queryClient = useQueryClient();
  const offsets = pagesToFetch(range);
  const results: QueryObserverResult<AgentList>[] = useQueries({
    queries: offsets.map((offset) => ({
      queryKey: pageKey(params, offset, PAGE_SIZE),
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchPage(params, offset, PAGE_SIZE, signal),
      staleTime: Infinity,
      gcTime: 30_000,
    })),
  });

  const pages = useMemo(() => {
    const map = new Map<number, readonly Agent[]>();
    results.forEach((r, i) => r.data && map.set(offsets[i], r.data.agents));
    return map;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [results.map((r) => r.dataUpdatedAt).join(), offsets.join()]);

  // The newest answer's total (pages read at different moments may disagree).
  const newest = results.filter((r) => r.data).sort((a, b) => b.dataUpdatedAt - a.dataUpdatedAt)[0]?.data;
  const lastTotal = useRef<{ key: string; total: number } | null>(null);
  const paramsKey = JSON.stringify(params);
  if (newest) lastTotal.current = { key: paramsKey, total: newest.total };
  const total = lastTotal.current?.key === paramsKey ? lastTotal.current.total : null;

  // Which events may change the rows held: decided against what is held now.
  const held = useRef({ ids: new Set<string>(), last: null as Agent | null, reachesEnd: true });
  const loaded = [...pages.values()].flat();
  held.current = { ids: new Set(loaded.map((a) => a.id)), last: loaded.at(-1) ?? null, reachesEnd: total === null || (offsets.at(-1) ?? 0) + PAGE_SIZE >= total };
  useRefetchOnEvents(windowKey, (events) => events.some(({ event }) => mayAffectWindow(event, held.current, params)));

  // A page read before the stream opened may lack events the stream will not replay: read it again.
  const cursors = results.map((r) => r.data?.cursor ?? Infinity);
  useEffect(() => {
    if (cursors.some((c) => live.missedSince(c))) void queryClient.invalidateQueries({ queryKey: windowKey });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cursors.join(), live, queryClient]);

  const { entered, leaving } = useEntriesAndExits(params, offsets, pages);

  return {
    total,
    rows: rowsFromPages(range, pages),
    entered,
    // A row that left from the end of the list has an index at the new end: still on screen.
    leaving: leaving.filter((l) => l.index >= range.start && l.index <= range.end),
    isPending: results.some((r) => r.isPending) && total === null,
    error: (results.find((r) => r.error)?.error as Error | undefined) ?? null,
    refetch: () => void queryClient.invalidateQueries({ queryKey: windowKey }),
  };
}

/**
 * Compares each page with what the same page (same filters, same offset) held
 * before: a row new to it entered, a row gone from it left. A page read for
 * the first time (a scroll, other filters) enters and leaves nothing.
 */
function useEntriesAndExits(params: ListParams, offsets: number[], pages: ReadonlyMap<number, readonly Agent[]>) {
  const previous = useRef(new Map<string, readonly Agent[]>());
  const [entered, setEntered] = useState<ReadonlySet<string>>(new Set());
  const [leaving, setLeaving] = useState<{ index: number; agent: Agent; until: number }[]>([]);
  const paramsKey = JSON.stringify(params);
  useEffect(() => {
    const now = Date.now();
    const before: Agent[] = [];
    const after: Agent[] = [];
    const indexOf = new Map<Agent, number>();
    const seen = new Map<string, readonly Agent[]>();
    for (const offset of offsets) {
      const rows = pages.get(offset);
      if (!rows) continue;
      const key = `${paramsKey}@${offset}`;
      seen.set(key, rows);
      const held = previous.current.get(key);
      if (!held || held === rows) continue;
      held.forEach((agent, i) => indexOf.set(agent, offset + i));
      before.push(...held);
      after.push(...rows);
    }
    // Compared over all the pages refetched together, so a row moving from one page to the next neither enters nor leaves.
    const changes = windowChanges(before, after);
    const newlyEntered = changes.entered;
    const newlyLeft = changes.left.map((agent) => ({ index: indexOf.get(agent) ?? 0, agent, until: now + LEAVING_MS }));
    previous.current = seen;
    if (newlyEntered.length) setEntered(new Set(newlyEntered));
    if (newlyLeft.length) setLeaving((l) => [...l.filter((x) => x.until > now && !newlyEntered.includes(x.agent.id)), ...newlyLeft]);
  }, [pages, paramsKey]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (leaving.length === 0) return;
    const next = Math.min(...leaving.map((l) => l.until));
    const timer = setTimeout(() => setLeaving((l) => l.filter((x) => x.until > Date.now())), Math.max(0, next - Date.now()));
    return () => clearTimeout(timer);
  }, [leaving]);

  return { entered, leaving };
}
