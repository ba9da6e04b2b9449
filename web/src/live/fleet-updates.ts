/**
 * What the page remembers from the stream itself, as pure functions: whether a
 * snapshot is newer than one held, and the agents seen deregistered (so an
 * agent's page left open says so, and the feed still names them).
 *
 * The agents table holds no copy of the fleet: it refetches the rows it shows
 * (agents/list-window.ts decides when).
 */
import type { Agent, RegistryEvent } from "@agentmesh/client";

/** How many deregistrations the page remembers (for detail pages left open). */
export const MAX_REMOVALS = 200;

export interface Removal {
  /** Revision the agent had when it was deregistered. */
  revision: number;
  /** When it was deregistered. */
  at: string;
  /** The last snapshot this page held, if it held one. */
  agent: Agent | null;
}

export type Removals = Readonly<Record<string, Removal>>;

/** True when `next` is a newer state of the agent than `held`. */
export function supersedes(next: Agent, held: Agent | undefined): boolean {
  if (!held) return true;
  if (next.created_at !== held.created_at) return Date.parse(next.created_at) > Date.parse(held.created_at);
  return next.revision > held.revision;
}

export interface SequencedEvent {
  /** The SSE `id:` of the frame. */
  id: number;
  event: RegistryEvent;
}

/**
 * The removals after a batch of events: a deregistration is remembered (with
 * the last snapshot seen, from the batch or from `held`), a later registration
 * of the same id forgets it. Returns the same object when nothing changed.
 */
export function applyRemovals(removed: Removals, events: readonly SequencedEvent[], held: (id: string) => Agent | undefined): Removals {
  let next = removed;
  const seen = new Map<string, Agent>();
  for (const { event } of events) {
    if (event.type === "agent_deregistered") {
      const last = seen.get(event.agent_id) ?? held(event.agent_id) ?? next[event.agent_id]?.agent ?? null;
      if (last && last.revision > event.revision) continue; // Replayed from before a re-registration held since.
      next = remember(next, event.agent_id, { revision: event.revision, at: event.timestamp, agent: last });
    } else {
      seen.set(event.agent_id, event.agent);
      const removal = next[event.agent_id];
      if (removal && (!removal.agent || supersedes(event.agent, removal.agent))) next = forget(next, event.agent_id);
    }
  }
  return next;
}

function remember(removed: Removals, id: string, removal: Removal): Removals {
  const next: Record<string, Removal> = { ...forget(removed, id), [id]: removal };
  const ids = Object.keys(next);
  if (ids.length <= MAX_REMOVALS) return next;
  for (const old of ids.slice(0, ids.length - MAX_REMOVALS)) delete next[old];
  return next;
}

function forget(removed: Removals, id: string): Removals {
  const { [id]: _gone, ...rest } = removed;
  return rest;
}
