/**
 * `useEvents()`: keeps the page live. Mount it once, at the root of the signed-in
 * app. It loads the fleet (the list call), then opens the page's one event
 * stream from the list's cursor; every event updates the query cache from its
 * own snapshot (see live/live-sync.ts and live/fleet-updates.ts). Returns the
 * connection state for the indicator.
 *
 * @example
 * function Shell() {
 *   const connection = useEvents();
 *   return <ConnectionIndicator state={connection} />;
 * }
 */
import { useEffect } from "react";
import { useLive, useLiveState } from "../live/LiveContext";
import type { LiveState } from "../live/live-sync";
import { useFleet } from "./useFleet";

export function useEvents(): LiveState {
  const live = useLive();
  const loaded = useFleet().data !== undefined;
  useEffect(() => {
    if (!loaded) return;
    live.start();
    return () => live.stop();
  }, [live, loaded]);
  return useLiveState();
}
