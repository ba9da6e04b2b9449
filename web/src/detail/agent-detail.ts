/**
 * What the detail page shows for an id, from the two things it has: the agent
 * as fetched when the page opened and kept current by the stream's events
 * (live/live-sync.ts), and the deregistrations the stream announced.
 * Pure, so the races between the two are tested without a browser.
 */
import type { Agent } from "@agentmesh/client";
import { isNotFound } from "../api/http";
import { supersedes, type Removals } from "../live/fleet-updates";
import { later } from "../live/history-updates";

export type Detail =
  | { kind: "loading" }
  | { kind: "error"; error: unknown }
  | { kind: "missing" }
  | { kind: "live"; agent: Agent }
  | { kind: "deregistered"; agent: Agent | null; at: string | null };

export function resolveDetail(id: string, removed: Removals, fetched: Agent | undefined, fetchError: unknown): Detail {
  const removal = removed[id];
  const newerIncarnation = fetched && removal?.agent && Date.parse(fetched.created_at) > Date.parse(removal.agent.created_at);
  if (removal && !newerIncarnation) {
    const last = fetched && removal.agent ? merge(removal.agent, fetched) : (removal.agent ?? fetched ?? null);
    return { kind: "deregistered", agent: last, at: removal.at };
  }
  if (fetched) return { kind: "live", agent: fetched };
  if (fetchError) return isNotFound(fetchError) ? { kind: "missing" } : { kind: "error", error: fetchError };
  return { kind: "loading" };
}

/** The newer snapshot, with the latest heartbeat time either one knows. */
function merge(held: Agent, fetched: Agent | undefined): Agent {
  if (!fetched || fetched.id !== held.id) return held;
  const newer = supersedes(fetched, held) ? fetched : held;
  const lastHeartbeat = later(held.last_heartbeat_at, fetched.last_heartbeat_at);
  return newer.last_heartbeat_at === lastHeartbeat ? newer : { ...newer, last_heartbeat_at: lastHeartbeat };
}
