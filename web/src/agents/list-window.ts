/**
 * The agents table at fleet scale, as pure functions: which rows to put in the
 * DOM for a scroll position, which pages of the list to ask the server for,
 * whether a live event may change what is on screen, and which rows entered
 * or left between two answers. The server filters, sorts and counts; the page
 * holds only the pages around what is visible.
 */
import { matchesText, type Agent, type ListSort, type RegistryEvent } from "@agentmesh/client";
import type { ListParams } from "./fleet-view";

/** Rows fetched per request (one page of the list API). */
export const PAGE_SIZE = 100;
/** Rows rendered above and below the visible ones, so a quick scroll shows rows, not blank space. */
export const OVERSCAN = 8;

/** Half-open range of row indexes [start, end). */
export interface RowRange {
  start: number;
  end: number;
}

export interface Viewport {
  /** The scroll container's scrollTop, measured from the first row (header excluded). */
  scrollTop: number;
  /** Visible height of the scroll container. */
  height: number;
  /** Height of one row (measured; rows are one line high except on narrow screens). */
  rowHeight: number;
  /** Rows in the whole answer (the list's `total`). */
  total: number;
}

/** The rows to render: those on screen plus `overscan` either side, clamped to the list. */
export function rowsToRender({ scrollTop, height, rowHeight, total }: Viewport, overscan = OVERSCAN): RowRange {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, height)) / rowHeight);
  const start = Math.min(Math.max(0, first - overscan), total);
  return { start: Math.max(0, Math.min(start, total - 1)), end: Math.min(total, last + overscan) };
}

/** Offsets of the pages that cover `range` (each `pageSize` rows, aligned), so a scroll reuses pages already held. */
export function pagesToFetch(range: RowRange, pageSize = PAGE_SIZE): number[] {
  if (range.end <= range.start) return [0];
  const first = Math.floor(range.start / pageSize);
  const last = Math.floor((range.end - 1) / pageSize);
  const offsets: number[] = [];
  for (let page = first; page <= last; page++) offsets.push(page * pageSize);
  return offsets;
}

/** Heights of the blank space above and below the rendered rows, so the scroll container stands for the whole list. */
export function spacers(range: RowRange, total: number, rowHeight: number): { top: number; bottom: number } {
  return { top: range.start * rowHeight, bottom: Math.max(0, total - range.end) * rowHeight };
}

/** The rows of `range` from the pages held (keyed by offset); a row whose page has not arrived is `undefined`. */
export function rowsFromPages(range: RowRange, pages: ReadonlyMap<number, readonly Agent[]>, pageSize = PAGE_SIZE): (Agent | undefined)[] {
  const rows: (Agent | undefined)[] = [];
  for (let i = range.start; i < range.end; i++) {
    const page = pages.get(Math.floor(i / pageSize) * pageSize);
    rows.push(page?.[i % pageSize]);
  }
  return rows;
}

/** Whether `agent` is in the answer of `params` (the filters the list API applies). */
export function matchesParams(agent: Agent, params: ListParams): boolean {
  return (
    (params.health === null || agent.health_status === params.health) &&
    (params.protocol === null || agent.protocol === params.protocol) &&
    (params.tag === null || agent.tags.some((t) => t.toLowerCase() === params.tag!.toLowerCase())) &&
    matchesText(agent, params.q)
  );
}

function sortKey(agent: Agent, sort: ListSort): string | number {
  switch (sort) {
    case "name":
      return agent.name.toLowerCase();
    case "trust_score":
      return agent.trust_score;
    case "updated_at":
      return Date.parse(agent.updated_at);
    case "created_at":
      return Date.parse(agent.created_at);
  }
}

/**
 * Whether `agent` sorts at or before `last` in the table's order (ties count
 * as before: the server breaks them by a key the page does not mirror).
 */
function sortsNoLaterThan(agent: Agent, last: Agent, { sort, order }: ListParams): boolean {
  const a = sortKey(agent, sort);
  const b = sortKey(last, sort);
  return order === "asc" ? a <= b : a >= b;
}

/** What the page knows of the rows it shows: their ids, the last one, and whether the list ends within them. */
export interface HeldWindow {
  ids: ReadonlySet<string>;
  /** The last row held, in the table's order; null when none. */
  last: Agent | null;
  /** True when the rows held reach the end of the answer (a new row may land after them). */
  reachesEnd: boolean;
}

/**
 * Whether an event may change the rows on screen, so the page refetches them.
 * It may when the agent is on screen, or when the agent as it is now (or as it
 * may have been before, when the event does not say) is in the answer and
 * sorts at or before the last row held: it then enters, leaves or shifts the
 * window. Only events that certainly touch nothing held are skipped, so the
 * window stays exact; totals come from `/stats` and are refetched on any event.
 */
export function mayAffectWindow(event: RegistryEvent, held: HeldWindow, params: ListParams): boolean {
  if (held.ids.has(event.agent_id)) return true;
  if (event.type === "agent_deregistered") return true; // Its last state is not in the event: it may have been before the window.
  const could = (agent: Agent) => matchesParams(agent, params) && (held.reachesEnd || held.last === null || sortsNoLaterThan(agent, held.last, params));
  if (could(event.agent)) return true;
  switch (event.type) {
    case "agent_registered":
      return false;
    case "agent_health_changed":
      return params.sort === "updated_at" || could({ ...event.agent, health_status: event.previous_status });
    case "trust_score_changed":
      return params.sort === "updated_at" || could({ ...event.agent, trust_score: event.previous_score });
    case "agent_updated":
      return true; // Its previous fields are not in the event.
  }
}

/** Rows that are in `next` and were not in `previous` (entered), and the reverse (left), by id. */
export function windowChanges(previous: readonly Agent[], next: readonly Agent[]): { entered: string[]; left: Agent[] } {
  const before = new Set(previous.map((a) => a.id));
  const after = new Set(next.map((a) => a.id));
  return { entered: next.filter((a) => !before.has(a.id)).map((a) => a.id), left: previous.filter((a) => !after.has(a.id)) };
}
