/**
 * Refetches the active queries under `key` when a batch of live events may
 * change them, coalesced: a burst of events costs one request, and a steady
 * flow at most one per `maxWaitMs`.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { SequencedEvent } from "../live/fleet-updates";
import { coalesce } from "../live/coalesce";
import { useLive } from "../live/LiveContext";

/** Quiet time after the last event before refetching (ms). */
export const REFETCH_WAIT_MS = 120;
/** Longest a refetch waits while events keep coming (ms). */
export const REFETCH_MAX_WAIT_MS = 500;

export function useRefetchOnEvents(key: readonly unknown[], affects: (events: readonly SequencedEvent[]) => boolean): void {
  const live = useLive();
  const queryClient = useQueryClient();
  const decide = useRef(affects);
  decide.current = affects;
  const stableKey = JSON.stringify(key);
  useEffect(() => {
    const queryKey = JSON.parse(stableKey) as unknown[];
    const refetch = coalesce(() => void queryClient.invalidateQueries({ queryKey }), REFETCH_WAIT_MS, REFETCH_MAX_WAIT_MS);
    const off = live.onEvents((events) => {
      if (decide.current(events)) refetch.trigger();
    });
    return () => {
      off();
      refetch.cancel();
    };
  }, [live, queryClient, stableKey]);
}
