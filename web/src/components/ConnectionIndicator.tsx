/** Live / reconnecting / offline, the time of the last event, and a way to retry at once. */
import type { ConnectionStatus } from "../live/event-stream";
import type { LiveState } from "../live/live-sync";
import type { StreamRole } from "../live/shared-stream";
import { useLive } from "../live/LiveContext";
import { dateTime } from "../format/time";
import { useNow } from "../hooks/useNow";
import { RelativeTime } from "./RelativeTime";

const LOOK: Record<ConnectionStatus, { dot: string; label: string; text: string }> = {
  connecting: { dot: "bg-sky-400 animate-breathe", label: "connecting", text: "text-sky-300" },
  live: { dot: "bg-emerald-400", label: "live", text: "text-emerald-300" },
  reconnecting: { dot: "bg-amber-400 animate-breathe", label: "reconnecting", text: "text-amber-300" },
  offline: { dot: "bg-rose-500", label: "offline", text: "text-rose-300" },
};

const ROLE_NOTE: Record<StreamRole, string> = {
  own: "This tab has its own connection to the registry.",
  leader: "This tab holds the connection that the dashboard's other tabs in this browser share.",
  follower: "This tab shares the connection of another dashboard tab in this browser.",
};

export function ConnectionIndicator({ state }: { state: LiveState }) {
  const live = useLive();
  const now = useNow();
  const look = LOOK[state.status];
  const retryIn = state.nextAttemptAt !== null ? Math.max(0, Math.ceil((state.nextAttemptAt - now) / 1000)) : null;
  return (
    <div
      className="flex min-w-0 items-center gap-3 text-xs"
      data-testid="connection"
      data-status={state.status}
      data-stream-role={state.role}
      title={ROLE_NOTE[state.role]}
      role="status"
      aria-live="polite"
    >
      <span className={`inline-flex items-center gap-1.5 font-medium ${look.text}`}>
        <span aria-hidden className={`size-2 rounded-full ${look.dot}`} />
        {look.label}
        {state.resyncing && <span className="font-normal text-zinc-400">· resyncing</span>}
      </span>
      {state.status !== "live" && state.status !== "connecting" && (
        <span className="hidden text-zinc-400 sm:inline">
          {retryIn !== null ? `retry in ${retryIn}s · ` : ""}
          <button type="button" className="underline decoration-zinc-600 underline-offset-2 hover:text-zinc-200" onClick={() => live.reconnectNow()}>
            reconnect now
          </button>
        </span>
      )}
      <span className="hidden truncate text-muted md:inline" title={state.lastEventAt ? `event #${state.lastEventId} at ${dateTime(state.lastEventAt)}` : `stream position #${state.lastEventId}`}>
        {state.lastEventAt ? <RelativeTime at={state.lastEventAt} prefix="last event " /> : "no events yet"}
      </span>
    </div>
  );
}

/** A line under the header while the page is not live: what is shown may be out of date. */
export function StaleBanner({ state }: { state: LiveState }) {
  if (state.status === "live" || state.status === "connecting" || state.downSince === null) return null;
  return (
    <div className={`border-b px-4 py-1.5 text-xs ${state.status === "offline" ? "border-rose-500/20 bg-rose-500/10 text-rose-200" : "border-amber-500/20 bg-amber-500/10 text-amber-200"}`}>
      Lost the connection to the registry <RelativeTime at={state.downSince} />. What you see is the state as of then; it will catch up by itself when the connection is back.
    </div>
  );
}
