/**
 * The fleet query. It is read once (the list call of the consistency recipe);
 * after that only the event stream changes it, so it never goes stale and is
 * never refetched on focus or reconnect — a refetch happens only on `reset`.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { fetchFleet, fleetKey } from "../api/fleet";

export const fleetQuery = queryOptions({
  queryKey: fleetKey,
  queryFn: ({ signal }) => fetchFleet(signal),
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
