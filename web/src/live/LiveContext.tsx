/** Hands the page's one LiveSync to the components that need it. */
import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import type { Removals } from "./fleet-updates";
import type { LiveState, LiveSync } from "./live-sync";

const LiveContext = createContext<LiveSync | null>(null);

export function LiveProvider({ live, children }: { live: LiveSync; children: ReactNode }) {
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveSync {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLive() outside <LiveProvider>");
  return live;
}

/** The connection state, re-rendering on every change (status, last event). */
export function useLiveState(): LiveState {
  const live = useLive();
  return useSyncExternalStore(live.subscribe, live.getState);
}

/** The agents this page saw deregistered, re-rendering when one is added. */
export function useRemoved(): Removals {
  const live = useLive();
  return useSyncExternalStore(live.subscribe, live.getRemoved);
}
