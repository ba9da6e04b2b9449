import { describe, expect, it } from "vitest";
import type { Agent } from "./agent.js";
import type { RegistryEvent } from "./events.js";
import type { SubscriptionUpdate } from "./subscribe-options.js";
import { applyChanges, reduceWatch, type WatchChange } from "./watch-view.js";

const agent = (id: string, revision: number, extra: Partial<Agent> = {}) => ({ id, revision, trust_score: 0.9, ...extra }) as Agent;

let nextId = 100;
const updated = (a: Agent, match: RegistryEvent["match"]): SubscriptionUpdate =>
  ({ id: nextId++, type: "agent_updated", agent_id: a.id, timestamp: "", changed: ["version"], agent: a, match }) as SubscriptionUpdate;
const registered = (a: Agent, match: RegistryEvent["match"]): SubscriptionUpdate =>
  ({ id: nextId++, type: "agent_registered", agent_id: a.id, timestamp: "", agent: a, match }) as SubscriptionUpdate;
const deregistered = (id: string, revision: number): SubscriptionUpdate =>
  ({ id: nextId++, type: "agent_deregistered", agent_id: id, timestamp: "", revision, reason: "deregistered", match: "left" }) as SubscriptionUpdate;

/** Applies updates in turn, as watch() does; returns the answer's ids and every change. */
function run(start: Agent[], updates: SubscriptionUpdate[]) {
  const held = new Map(start.map((a) => [a.id, a]));
  const changes: WatchChange[] = [];
  for (const u of updates) {
    const c = reduceWatch(held, u);
    applyChanges(held, c);
    changes.push(...c);
  }
  return { held, ids: [...held.keys()].sort(), changes };
}

describe("reduceWatch", () => {
  it("adds an agent that entered, updates one that stayed, removes one that left", () => {
    const { held, changes } = run(
      [agent("a", 1), agent("b", 1)],
      [registered(agent("c", 1), "entered"), updated(agent("a", 2), "stayed"), updated(agent("b", 2), "left")],
    );
    expect([...held.keys()].sort()).toEqual(["a", "c"]);
    expect(held.get("a")!.revision).toBe(2);
    expect(changes.map((c) => [c.type, c.type === "reset" ? "" : c.agent.id])).toEqual([
      ["entered", "c"],
      ["updated", "a"],
      ["left", "b"],
    ]);
    const left = changes[2] as Extract<WatchChange, { type: "left" }>;
    expect(left.reason).toBe("unmatched");
    expect(left.agent.revision).toBe(2); // as it is now: what made it leave
    const update = changes[1] as Extract<WatchChange, { type: "updated" }>;
    expect(update.previous.revision).toBe(1);
  });

  it("removes a deregistered agent it holds, with reason deregistered, and ignores one it does not", () => {
    const { ids, changes } = run([agent("a", 3)], [deregistered("a", 3), deregistered("zz", 1)]);
    expect(ids).toEqual([]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ type: "left", reason: "deregistered" });
  });

  it("ignores events older than what a later page already showed", () => {
    // The list read page 2 after the agent's revision 5; the stream replays revisions 3–5 from the first page's cursor.
    const { held, changes } = run([agent("a", 5)], [updated(agent("a", 3), "left"), updated(agent("a", 4), "entered"), updated(agent("a", 5), "stayed")]);
    expect(held.get("a")!.revision).toBe(5);
    expect(changes).toEqual([]);
  });

  it("a stayed event for an agent not held adds it (a page missed it), and entered for one held updates it", () => {
    const { held, changes } = run([agent("a", 1)], [updated(agent("b", 4), "stayed"), updated(agent("a", 2), "entered")]);
    expect([...held.keys()].sort()).toEqual(["a", "b"]);
    expect(changes.map((c) => c.type)).toEqual(["entered", "updated"]);
  });

  it("a re-registration counts even at a lower revision (a new life)", () => {
    const { held, changes } = run([], [registered(agent("a", 1), "entered"), updated(agent("a", 2), "stayed"), deregistered("a", 2), registered(agent("a", 1, { trust_score: 0.5 }), "entered")]);
    expect(held.get("a")).toMatchObject({ revision: 1, trust_score: 0.5 });
    expect(changes.map((c) => c.type)).toEqual(["entered", "updated", "left", "entered"]);
  });

  it("events without `match` (a stream without a selector) change nothing", () => {
    const { ids, changes } = run([agent("a", 1)], [updated(agent("a", 2), undefined), registered(agent("b", 1), undefined)]);
    expect(ids).toEqual(["a"]);
    expect(changes).toEqual([]);
  });

  it("the initial snapshot is no change; a snapshot after a reset replaces the answer and says what entered and left", () => {
    const initial: SubscriptionUpdate = { type: "snapshot", agents: [agent("x", 1)], cursor: 1, reason: "initial" };
    const notice: SubscriptionUpdate = { type: "reset", cursor: 50, reason: "history_pruned", requested: 10 };
    const fresh: SubscriptionUpdate = { type: "snapshot", agents: [agent("b", 2), agent("c", 1)], cursor: 50, reason: "reset" };
    const { ids, changes } = run([agent("a", 1), agent("b", 1)], [initial, notice, fresh]);
    expect(ids).toEqual(["b", "c"]);
    expect(changes).toHaveLength(1);
    const reset = changes[0] as Extract<WatchChange, { type: "reset" }>;
    expect(reset.type).toBe("reset");
    expect(reset.cursor).toBe(50);
    expect(reset.entered.map((a) => a.id)).toEqual(["c"]);
    expect(reset.left.map((a) => a.id)).toEqual(["a"]);
    expect(reset.agents.map((a) => a.id)).toEqual(["b", "c"]);
  });
});
