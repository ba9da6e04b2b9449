/**
 * The fleet: every agent the registry holds, in one cache entry, with the event
 * cursor the snapshot is consistent with. The dashboard filters, sorts and
 * counts over it on the client, so live events only ever touch this one entry
 * (see live/fleet-updates.ts).
 */
import type { Agent } from "@agentmesh/client";
import { registry } from "./registry";

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

/**
 * Reads the whole list with the client's `listAll()`: oldest registration
 * first, a thousand a page (new agents land on the last page, so paging does
 * not shift under registrations), with the first page's cursor; streaming
 * from it replays whatever changed while later pages were read, and replays
 * are idempotent.
 */
export async function fetchFleet(signal?: AbortSignal): Promise<Fleet> {
  const { agents, cursor } = await registry().listAll({}, { signal });
  return { agents: Object.fromEntries(agents.map((agent) => [agent.id, agent])), cursor, removed: {} };
}
