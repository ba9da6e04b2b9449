/**
 * The fleet query. It is read once (the list call of the consistency recipe);
 * after that only the event stream changes it, so it never goes stale and is
 * never refetched on focus or reconnect — a refetch happens only on `reset`.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { fetchFleet, fleetKey } from "../api/fleet";

export const fleetQuery = queryOptions({
  queryKey: fleetKey,
  // No abort signal: a component unmounting mid-load must not cancel the one
  // list read the page needs (it would be read again by the next observer).
  queryFn: () => fetchFleet(),
  staleTime: Infinity,
  gcTime: Infinity,
  refetchOnWindowFocus: false,
  refetchOnReconnect: false,
  refetchOnMount: false,
  retry: 1,
});

export function useFleet() {
  return useQuery(fleetQuery);
}
