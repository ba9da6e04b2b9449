/**
 * The rules of `watch()`: how a standing query's answer (the agents that match
 * a selector, by id) changes with each update of a subscription with that
 * selector. Pure: `reduceWatch` reads the held answer and an update and says
 * what changes; `applyChanges` is the only thing that writes.
 *
 * The list the view starts from is consistent with its cursor, but pages read
 * later may already show changes whose events follow the cursor, so events are
 * applied by revision: one older than the agent held changes nothing.
 */
import type { Agent } from "./agent.js";
import type { RegistryEvent } from "./events.js";
import type { SubscriptionUpdate } from "./subscribe-options.js";

/** One change of a watched answer. */
export type WatchChange =
  /** The agent matches now and was not in the answer (`event`: the event id that brought it). */
  | { type: "entered"; agent: Agent; event: number }
  /** An agent in the answer changed and still matches. */
  | { type: "updated"; agent: Agent; previous: Agent; event: number }
  /** The agent left the answer: it stopped matching (`agent` as it is now, which says why), or was deregistered (`agent` as last held). */
  | { type: "left"; agent: Agent; reason: "unmatched" | "deregistered"; event: number }
  /**
   * The stream could not resume (history pruned, new database), so the answer
   * was listed again: `agents` is the whole new answer; `entered` and `left`
   * what differs from the one held before.
   */
  | { type: "reset"; agents: Agent[]; entered: Agent[]; left: Agent[]; cursor: number };

type Event = RegistryEvent & { id: number };

/** What an event changes in the answer `held`. */
function reduceEvent(held: ReadonlyMap<string, Agent>, ev: Event): WatchChange[] {
  const before = held.get(ev.agent_id);
  if (ev.type === "agent_deregistered") {
    return before ? [{ type: "left", agent: before, reason: "deregistered", event: ev.id }] : [];
  }
  const agent = ev.agent;
  // A registration starts a new life (revisions may start again); anything else older than what is held is stale.
  const stale = before !== undefined && ev.type !== "agent_registered" && agent.revision <= before.revision;
  if (ev.match === "left") {
    return before && !(before.revision > agent.revision) ? [{ type: "left", agent, reason: "unmatched", event: ev.id }] : [];
  }
  if (ev.match === undefined) return []; // not a standing-query event (a stream without a selector)
  if (!before) return [{ type: "entered", agent, event: ev.id }]; // `stayed` for one not held: a page missed it
  return stale ? [] : [{ type: "updated", agent, previous: before, event: ev.id }];
}

/** The changes a whole new answer makes to the one held. */
export function diffAnswer(held: ReadonlyMap<string, Agent>, agents: readonly Agent[], cursor: number): WatchChange {
  const ids = new Set(agents.map((a) => a.id));
  return {
    type: "reset",
    agents: [...agents],
    entered: agents.filter((a) => !held.has(a.id)),
    left: [...held.values()].filter((a) => !ids.has(a.id)),
    cursor,
  };
}

/**
 * What `update` changes in `held`. The initial snapshot is no change (it is the
 * answer the view starts with); a later one, after a reset, is a `reset`.
 * Reset notices themselves change nothing: the snapshot that follows does.
 */
export function reduceWatch(held: ReadonlyMap<string, Agent>, update: SubscriptionUpdate): WatchChange[] {
  if (update.type === "reset") return [];
  if (update.type === "snapshot") return update.reason === "initial" ? [] : [diffAnswer(held, update.agents, update.cursor)];
  return reduceEvent(held, update);
}

/** Writes `changes` into `answer`. */
export function applyChanges(answer: Map<string, Agent>, changes: readonly WatchChange[]): void {
  for (const c of changes) {
    if (c.type === "entered" || c.type === "updated") answer.set(c.agent.id, c.agent);
    else if (c.type === "left") answer.delete(c.agent.id);
    else {
      answer.clear();
      for (const a of c.agents) answer.set(a.id, a);
    }
  }
}
