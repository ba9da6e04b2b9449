/**
 * The fleet: every agent the registry holds, in one cache entry, with the event
 * cursor the snapshot is consistent with. The dashboard filters, sorts and
 * counts over it on the client, so live events only ever touch this one entry
 * (see live/fleet-updates.ts).
 */
import type { Agent, AgentList } from "../../../src/shared/agent";
import { api } from "./http";

export interface Removal {
  /** Revision the agent had when it was deregistered. */
  revision: number;
  /** When it was deregistered; null when a refetch found it gone (time unknown). */
  at: string | null;
  /** The last snapshot this page held, so a detail page can still show the card. */
  agent: Agent | null;
}

export interface Fleet {
  agents: Record<string, Agent>;
  /** Id of the last event included (list cursor, then each applied event). */
  cursor: number;
  /** Recently deregistered agents, newest last (bounded). */
  removed: Record<string, Removal>;
}

export const fleetKey = ["fleet"] as const;

const PAGE = 1000;
const MAX_PAGES = 50;

/**
 * Reads the whole list, 1000 agents a page, oldest registration first (new
 * agents land on the last page, so paging does not shift under registrations).
 * The cursor is the first page's: streaming from the oldest cursor replays
 * whatever changed while later pages were read, and replays are idempotent.
 */
export async function fetchFleet(signal?: AbortSignal): Promise<Fleet> {
  const agents: Record<string, Agent> = {};
  let cursor: number | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const list = await api<AgentList>(`/agents?sort=created_at&order=asc&limit=${PAGE}&offset=${page * PAGE}`, { signal });
    cursor ??= list.cursor;
    for (const agent of list.agents) agents[agent.id] = agent;
    if (list.agents.length < PAGE || (page + 1) * PAGE >= list.total) break;
  }
  return { agents, cursor: cursor ?? 0, removed: {} };
}
