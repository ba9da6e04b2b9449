/**
 * The registry's totals (`GET /stats`): counts by health and tier, and the
 * event id they are consistent with, from which the page's stream starts.
 * Read again, coalesced, whenever events arrive.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { fetchStats, statsKey } from "../api/agents-window";
import { useRefetchOnEvents } from "./useRefetchOnEvents";

export const statsQuery = queryOptions({
  queryKey: statsKey,
  queryFn: ({ signal }) => fetchStats(signal),
  staleTime: Infinity,
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
});

/** The totals, kept live. */
export function useStats() {
  useRefetchOnEvents(statsKey, (events) => events.length > 0);
  return useQuery(statsQuery);
}
