/**
 * The agents table's reads: one page of the list API for the table's filters
 * and sort (offset paging: a table jumps to any row; keyset tokens are for
 * reading everything), and the totals from `/stats`. Each page carries the
 * event cursor it is consistent with, so the page can tell whether events it
 * has not seen may have changed it.
 */
import type { AgentList, Stats } from "@agentmesh/client";
import { listQuery, type ListParams } from "../agents/fleet-view";
import { registry } from "./registry";

export const windowKey = ["agents", "window"] as const;
export const pageKey = (params: ListParams, offset: number, limit: number) => [...windowKey, params, offset, limit] as const;
export const statsKey = ["stats"] as const;

export function fetchPage(params: ListParams, offset: number, limit: number, signal?: AbortSignal): Promise<AgentList> {
  return registry().list(listQuery(params, offset, limit), { signal });
}

export function fetchStats(signal?: AbortSignal): Promise<Stats> {
  return registry().stats({ signal });
}
