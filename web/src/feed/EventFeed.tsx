/** The latest events as they arrive: the whole fleet's, or one agent's (with its recent history). */
import { useQuery } from "@tanstack/react-query";
import { memo, useState, useSyncExternalStore } from "react";
import { Link } from "react-router";
import type { EventType, RegistryEvent } from "@agentmesh/client";
import { agentEventsKey, fetchAgentEvents } from "../api/agent-events";
import { clockTime, dateTime } from "../format/time";
import type { FeedEntry } from "../live/feed";
import { statsQuery } from "../hooks/useStats";
import { useLive, useRemoved } from "../live/LiveContext";
import { describeEvent, type EventLine } from "./describe-event";

const TONE: Record<EventLine["tone"], string> = {
  good: "text-emerald-300",
  bad: "text-rose-300",
  warn: "text-amber-300",
  neutral: "text-zinc-300",
};

const SHOWN = 200;

/** Kinds of events a watcher can hide from the feed (trust moves are the chattiest). */
const KINDS = { lifecycle: "agents", health: "health", trust: "trust" } as const;
type Kind = keyof typeof KINDS;
const KIND_OF: Record<EventType, Kind> = {
  agent_registered: "lifecycle",
  agent_updated: "lifecycle",
  agent_deregistered: "lifecycle",
  agent_health_changed: "health",
  trust_score_changed: "trust",
};

/**
 * The live feed of every agent (the agents page). Pausing freezes it; events
 * keep being collected. Memoized: it renders when the feed changes, not on
 * each of the agents page's scroll frames.
 */
export const EventFeed = memo(function EventFeed() {
  const live = useLive();
  const view = useSyncExternalStore(live.feed.subscribe, live.feed.getView);
  return (
    <FeedPanel
      title="Live events"
      entries={view.entries}
      paused={view.paused}
      pending={view.pending}
      onPause={(pause) => (pause ? live.feed.pause() : live.feed.resume())}
      empty="Waiting for events… changes appear here as they happen."
    />
  );
});

/**
 * One agent's events: its recent history when the page opens, then each live
 * event on top (the stream adds them to the same list, so none shows twice).
 */
export function AgentEventFeed({ agentId }: { agentId: string }) {
  const live = useLive();
  // Read from the event id the stream starts at (or has reached), so history and live events meet without a gap.
  const head = useQuery(statsQuery).data?.events.last_id;
  const events = useQuery({
    queryKey: agentEventsKey(agentId),
    queryFn: ({ signal }) => fetchAgentEvents(agentId, Math.max(head ?? 0, live.getState().lastEventId), signal),
    enabled: head !== undefined,
    staleTime: Infinity,
  });
  const entries = events.data?.entries ?? NONE;
  const [frozen, setFrozen] = useState<readonly FeedEntry[] | null>(null);
  const pending = frozen ? entries.filter((e) => e.id > (frozen[0]?.id ?? 0)).length : 0;
  return (
    <FeedPanel
      title="Events for this agent"
      agentId={agentId}
      entries={frozen ?? entries}
      paused={frozen !== null}
      pending={pending}
      onPause={(pause) => setFrozen(pause ? entries : null)}
      empty={events.isPending ? "Loading recent events…" : events.isError ? "Could not load this agent's recent events; new ones appear here as they happen." : "No events yet; changes appear here as they happen."}
    />
  );
}

const NONE: readonly FeedEntry[] = [];

interface PanelProps {
  title: string;
  /** Set on an agent's page: the agent column is left out. */
  agentId?: string;
  entries: readonly FeedEntry[];
  paused: boolean;
  pending: number;
  onPause(pause: boolean): void;
  empty: string;
}

function FeedPanel({ title, agentId, entries: all, paused, pending, onPause, empty }: PanelProps) {
  const removed = useRemoved();
  const [hidden, setHidden] = useState<ReadonlySet<Kind>>(new Set());
  const toggle = (kind: Kind) => setHidden((h) => (h.has(kind) ? new Set([...h].filter((k) => k !== kind)) : new Set([...h, kind])));
  const entries = all.filter((e) => !hidden.has(KIND_OF[e.event.type])).slice(0, SHOWN);
  const nameOf = (event: RegistryEvent) =>
    event.type === "agent_deregistered" ? (removed[event.agent_id]?.agent?.name ?? event.agent_id) : event.agent.name;

  return (
    <section className="flex min-h-0 flex-col" aria-label={title} data-testid="event-feed">
      <header className="flex items-center gap-2 border-b border-zinc-800 px-3 py-2">
        <h2 className="text-xs font-medium tracking-wide text-zinc-400 uppercase">{title}</h2>
        {paused && pending > 0 && (
          <span className="rounded bg-sky-500/15 px-1.5 text-[11px] text-sky-300 tabular-nums" data-testid="feed-pending">
            {pending} new
          </span>
        )}
        <span className="ml-auto flex gap-1" role="group" aria-label="Show event kinds">
          {(Object.keys(KINDS) as Kind[]).map((kind) => (
            <button
              key={kind}
              type="button"
              aria-pressed={!hidden.has(kind)}
              onClick={() => toggle(kind)}
              className={`rounded px-1.5 text-[11px] ${hidden.has(kind) ? "text-muted line-through" : "bg-zinc-800/80 text-zinc-300"}`}
            >
              {KINDS[kind]}
            </button>
          ))}
        </span>
        <button
          type="button"
          onClick={() => onPause(!paused)}
          className="rounded border border-zinc-800 px-2 py-0.5 text-xs text-zinc-300 hover:bg-zinc-800"
          aria-pressed={paused}
        >
          {paused ? "▶ resume" : "❚❚ pause"}
        </button>
      </header>
      {entries.length === 0 ? (
        <p className="px-3 py-6 text-center text-xs text-muted">{paused ? "Paused." : empty}</p>
      ) : (
        <ol className="min-h-0 flex-1 overflow-y-auto font-mono text-[11px]">
          {entries.map(({ id, event }) => {
            const line = describeEvent(event);
            return (
              <li
                key={`${id}:${event.timestamp}`}
                data-testid="feed-entry"
                data-event-id={id}
                data-type={event.type}
                className="flex gap-2 border-b border-zinc-900 px-3 py-0.5 leading-5"
                title={`${line.label} · #${id} · ${dateTime(event.timestamp)}${line.detail ? ` · ${line.detail}` : ""}`}
              >
                <span className="shrink-0 text-muted tabular-nums">{clockTime(event.timestamp)}</span>
                {!agentId && (
                  <Link to={`/agents/${encodeURIComponent(event.agent_id)}`} className="max-w-[9rem] shrink-0 truncate text-zinc-200 hover:text-sky-300">
                    {nameOf(event)}
                  </Link>
                )}
                <span className={`min-w-0 flex-1 truncate ${TONE[line.tone]}`}>{line.text}</span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
