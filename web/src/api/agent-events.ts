/**
 * One agent's recent events, read from `GET /events/history?agent_id=…` so an
 * agent's page shows what happened before it was opened; the stream adds what
 * happens after (live/live-sync.ts applies each event with `addAgentEvent`).
 *
 * The history endpoint reads forward from an id. To find the newest events
 * without reading the whole log, it reads windows ending at the log's head and
 * widening (the last 500 events, 4 000, 32 000 …) until it has enough or has
 * reached the start of the retained history.
 */
import type { EventHistory, RegistryEvent } from "@agentmesh/client";
import { api } from "./http";

export interface AgentEvents {
  /** Newest first, unique by id. */
  entries: { id: number; event: RegistryEvent }[];
}

export const agentEventsKey = (id: string) => ["agent", id, "events"] as const;

/** Events shown on an agent's page. */
export const RECENT_EVENTS = 50;
/** Kept as live events arrive. */
export const MAX_AGENT_EVENTS = 200;

const PAGE = 1000;
const WINDOWS = [500, 4_000, 32_000, 256_000, Number.POSITIVE_INFINITY];
/** Pages read per window, so a very chatty agent costs a bounded number of requests. */
const PAGES_PER_WINDOW = 4;

type Page = (after: number) => Promise<EventHistory>;

/**
 * @param head the newest event id known (where the page's stream starts, or has reached); 0 when unknown.
 */
export async function fetchAgentEvents(id: string, head: number, signal?: AbortSignal, want = RECENT_EVENTS): Promise<AgentEvents> {
  const page: Page = (after) => api<EventHistory>(`/events/history?agent_id=${encodeURIComponent(id)}&after=${after}&limit=${PAGE}`, { signal });
  return { entries: await newestEvents(page, head, want) };
}

/** The newest `want` events (newest first) that `page` yields, reading widening windows back from `head`. */
export async function newestEvents(page: Page, head: number, want: number): Promise<AgentEvents["entries"]> {
  if (head <= 0) {
    // Head unknown: one read from the start either holds all the agent's events or tells the head.
    const first = await page(0);
    if (first.events.length < PAGE) return newestFirst(first.events, want);
    head = first.cursor;
  }
  let found: EventHistory["events"] = [];
  for (const span of WINDOWS) {
    const start = Math.max(0, head - span);
    const events: EventHistory["events"] = [];
    let after = start;
    let reachedStart = start === 0;
    for (let n = 0; n < PAGES_PER_WINDOW; n++) {
      const answer = await page(after);
      if (answer.reset) reachedStart = true;
      events.push(...answer.events);
      if (answer.events.length < PAGE) break;
      after = answer.events[answer.events.length - 1].id;
    }
    found = events;
    if (found.length >= want || reachedStart) break;
  }
  return newestFirst(found, want);
}

function newestFirst(events: EventHistory["events"], want: number): AgentEvents["entries"] {
  return events
    .slice(-want)
    .reverse()
    .map(({ id, ...event }) => ({ id, event: event as RegistryEvent }));
}

/** The list with one more event from the stream (same object when it has it already). */
export function addAgentEvent(held: AgentEvents, id: number, event: RegistryEvent): AgentEvents {
  if (held.entries.some((e) => e.id === id)) return held;
  const entries = [...held.entries, { id, event }].sort((a, b) => b.id - a.id).slice(0, MAX_AGENT_EVENTS);
  return { entries };
}
