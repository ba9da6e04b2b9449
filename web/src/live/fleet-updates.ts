/**
 * How one stream event changes the fleet cache: pure functions, no I/O.
 *
 * An event is applied from its own snapshot, and only when that snapshot is
 * newer than the one held (`revision`, or a later `created_at` when an id was
 * deregistered and registered again, which starts its revision over at 1).
 * Applying the same event twice, or an older one, changes nothing and returns
 * the same object, so React Query notifies no one.
 */
import type { Agent } from "@agentmesh/client";
import type { RegistryEvent } from "@agentmesh/client";
import type { Fleet, Removal } from "../api/fleet";

/** How many deregistrations the fleet remembers (for detail pages left open). */
export const MAX_REMOVALS = 200;

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

export function applyEvent(fleet: Fleet, { id, event }: SequencedEvent): Fleet {
  const cursor = Math.max(fleet.cursor, id);
  if (event.type === "agent_deregistered") {
    const held = fleet.agents[event.agent_id];
    if (!held || held.revision > event.revision) return cursor === fleet.cursor ? fleet : { ...fleet, cursor };
    const { [event.agent_id]: _gone, ...agents } = fleet.agents;
    const removal: Removal = { revision: event.revision, at: event.timestamp, agent: held };
    return { agents, cursor, removed: remember(fleet.removed, event.agent_id, removal) };
  }
  const held = fleet.agents[event.agent_id];
  if (!supersedes(event.agent, held)) return cursor === fleet.cursor ? fleet : { ...fleet, cursor };
  const removed = event.agent_id in fleet.removed ? forget(fleet.removed, event.agent_id) : fleet.removed;
  return { agents: { ...fleet.agents, [event.agent_id]: event.agent }, cursor, removed };
}

/** Applies a batch in order; returns the same object when nothing changed. */
export function applyEvents(fleet: Fleet, events: readonly SequencedEvent[]): Fleet {
  return events.reduce(applyEvent, fleet);
}

/**
 * After a refetch (a `reset`, or a retry after an error): the fresh snapshot,
 * plus the events that arrived while it was being read and that it does not
 * include (id above its cursor). Removals the page already knew are kept so an
 * open detail page still says "deregistered".
 */
export function rebase(fresh: Fleet, previous: Fleet | undefined, arrivedMeanwhile: readonly SequencedEvent[]): Fleet {
  let removed = fresh.removed;
  if (previous) {
    for (const [id, removal] of Object.entries(previous.removed)) {
      if (!(id in fresh.agents) && !(id in removed)) removed = remember(removed, id, removal);
    }
    for (const [id, agent] of Object.entries(previous.agents)) {
      if (!(id in fresh.agents) && !(id in removed)) removed = remember(removed, id, { revision: agent.revision, at: null, agent });
    }
  }
  const base = removed === fresh.removed ? fresh : { ...fresh, removed };
  return applyEvents(
    base,
    arrivedMeanwhile.filter((e) => e.id > fresh.cursor),
  );
}

function remember(removed: Record<string, Removal>, id: string, removal: Removal): Record<string, Removal> {
  const next = { ...forget(removed, id), [id]: removal };
  const ids = Object.keys(next);
  if (ids.length <= MAX_REMOVALS) return next;
  for (const old of ids.slice(0, ids.length - MAX_REMOVALS)) delete next[old];
  return next;
}

function forget(removed: Record<string, Removal>, id: string): Record<string, Removal> {
  const { [id]: _gone, ...rest } = removed;
  return rest;
}
