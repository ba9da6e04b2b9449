/**
 * `useEvents()`: keeps the page live. Mount it once, at the root of the signed-in
 * app. It reads `/stats` (whose event id every later read is at least as new
 * as), then opens the page's one event stream from there; every event updates
 * the agent queries from its own snapshot and lets the agents table decide
 * whether to refetch its rows (see live/live-sync.ts). Returns the connection
 * state for the indicator.
 *
 * @example
 * function Shell() {
 *   const connection = useEvents();
 *   return <ConnectionIndicator state={connection} />;
 * }
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useLive, useLiveState } from "../live/LiveContext";
import type { LiveState } from "../live/live-sync";
import { statsQuery } from "./useStats";

export function useEvents(): LiveState {
  const live = useLive();
  const cursor = useQuery(statsQuery).data?.events.last_id;
  const loaded = cursor !== undefined;
  useEffect(() => {
    if (!loaded) return;
    live.start(cursor);
    return () => live.stop();
    // Started once from the first answer; later answers do not move the stream.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, loaded]);
  return useLiveState();
}
