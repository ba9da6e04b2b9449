import { describe, expect, it } from "vitest";
import { DEFAULT_PARAMS, selectAgents, totals } from "../agents/fleet-view";
import { agent, at, deregistered, fleetOf, healthChanged, registered, trustChanged, updated } from "../test/factories";
import { applyEvent, applyEvents, MAX_REMOVALS, rebase, supersedes } from "./fleet-updates";

const ids = (agents: { id: string }[]) => agents.map((a) => a.id);

describe("applyEvent", () => {
  it("inserts a registered agent and moves the cursor", () => {
    const fleet = fleetOf([agent("a")], 10);
    const next = applyEvent(fleet, { id: 11, event: registered(agent("b")) });
    expect(Object.keys(next.agents).sort()).toEqual(["a", "b"]);
    expect(next.cursor).toBe(11);
    expect(fleet.agents.b).toBeUndefined();
  });

  it("updates an agent from the event's own snapshot when its revision is newer", () => {
    const fleet = fleetOf([agent("a", { version: "1.0.0", revision: 3 })]);
    const next = applyEvent(fleet, { id: 11, event: updated(agent("a", { version: "2.0.0", revision: 4 })) });
    expect(next.agents.a.version).toBe("2.0.0");
    expect(next.agents.a.revision).toBe(4);
  });

  it("ignores a stale or repeated revision and returns the same object", () => {
    const held = agent("a", { health_status: "offline", revision: 5 });
    const fleet = fleetOf([held], 20);
    const stale = applyEvent(fleet, { id: 12, event: healthChanged(agent("a", { health_status: "healthy", revision: 4 }), "unknown") });
    expect(stale).toBe(fleet);
    const repeat = applyEvent(fleet, { id: 13, event: healthChanged(agent("a", { health_status: "offline", revision: 5 }), "healthy") });
    expect(repeat).toBe(fleet);
  });

  it("still moves the cursor forward for an event that changes no agent", () => {
    const fleet = fleetOf([agent("a", { revision: 5 })], 10);
    const next = applyEvent(fleet, { id: 11, event: updated(agent("a", { revision: 5 })) });
    expect(next.cursor).toBe(11);
    expect(next.agents).toBe(fleet.agents);
  });

  it("removes a deregistered agent and remembers its last card", () => {
    const held = agent("a", { name: "Alpha", revision: 7 });
    const next = applyEvent(fleetOf([held, agent("b")]), { id: 11, event: deregistered("a", 7, 50) });
    expect(Object.keys(next.agents)).toEqual(["b"]);
    expect(next.removed.a).toEqual({ revision: 7, at: at(50), agent: held });
  });

  it("ignores a deregistration older than the agent held (e.g. replayed before a re-registration)", () => {
    const fleet = fleetOf([agent("a", { revision: 9 })]);
    expect(applyEvent(fleet, { id: 11, event: deregistered("a", 3) }).agents.a).toBeDefined();
  });

  it("accepts a re-registration of a deregistered id, though its revision starts over at 1", () => {
    let fleet = fleetOf([agent("a", { revision: 7 })]);
    fleet = applyEvent(fleet, { id: 11, event: deregistered("a", 7) });
    fleet = applyEvent(fleet, { id: 12, event: registered(agent("a", { revision: 1, created_at: at(60), updated_at: at(60) })) });
    expect(fleet.agents.a.revision).toBe(1);
    expect(fleet.removed.a).toBeUndefined();
  });

  it("lets a newer incarnation replace an older one even if a deregistration was missed", () => {
    const fleet = fleetOf([agent("a", { revision: 7, created_at: at(0) })]);
    const next = applyEvent(fleet, { id: 12, event: registered(agent("a", { revision: 1, created_at: at(60) })) });
    expect(next.agents.a.created_at).toBe(at(60));
  });

  it("keeps a bounded memory of removals", () => {
    let fleet = fleetOf(Array.from({ length: MAX_REMOVALS + 5 }, (_, i) => agent(`a${i}`)));
    for (let i = 0; i < MAX_REMOVALS + 5; i++) fleet = applyEvent(fleet, { id: 100 + i, event: deregistered(`a${i}`, 1) });
    expect(Object.keys(fleet.removed)).toHaveLength(MAX_REMOVALS);
    expect(fleet.removed[`a${MAX_REMOVALS + 4}`]).toBeDefined();
    expect(fleet.removed.a0).toBeUndefined();
  });
});

describe("views over the fleet follow the events", () => {
  it("reorders a trust-sorted view when a score moves", () => {
    let fleet = fleetOf([agent("a", { trust_score: 0.9 }), agent("b", { trust_score: 0.6 }), agent("c", { trust_score: 0.3 })]);
    const byTrust = { ...DEFAULT_PARAMS, sort: "trust_score" as const, order: "desc" as const };
    expect(ids(selectAgents(fleet.agents, byTrust))).toEqual(["a", "b", "c"]);
    fleet = applyEvent(fleet, { id: 11, event: trustChanged(agent("c", { trust_score: 0.95, trust_tier: "elite", revision: 2 }), 0.3) });
    expect(ids(selectAgents(fleet.agents, byTrust))).toEqual(["c", "a", "b"]);
  });

  it("moves an agent out of a health filter and into another", () => {
    let fleet = fleetOf([agent("a"), agent("b")]);
    const healthy = { ...DEFAULT_PARAMS, health: "healthy" as const };
    const offline = { ...DEFAULT_PARAMS, health: "offline" as const };
    fleet = applyEvent(fleet, { id: 11, event: healthChanged(agent("a", { health_status: "offline", revision: 2 }), "healthy") });
    expect(ids(selectAgents(fleet.agents, healthy))).toEqual(["b"]);
    expect(ids(selectAgents(fleet.agents, offline))).toEqual(["a"]);
    expect(totals(fleet).byHealth).toMatchObject({ healthy: 1, offline: 1 });
  });

  it("lets a new agent enter a search it matches, and not one it does not", () => {
    let fleet = fleetOf([agent("a", { tags: ["gpu"] })]);
    const search = { ...DEFAULT_PARAMS, q: "gpu" };
    fleet = applyEvents(fleet, [
      { id: 11, event: registered(agent("b", { skills: [{ name: "render", description: "", tags: ["gpu"] }] })) },
      { id: 12, event: registered(agent("c", { tags: ["cpu"] })) },
    ]);
    expect(ids(selectAgents(fleet.agents, search))).toEqual(["a", "b"]);
  });
});

describe("rebase (after a reset refetch)", () => {
  it("takes the fresh snapshot and re-applies only the events it does not include", () => {
    const previous = fleetOf([agent("a", { revision: 1 })], 10);
    const fresh = fleetOf([agent("a", { revision: 3, version: "3" }), agent("b")], 20);
    const meanwhile = [
      { id: 18, event: updated(agent("a", { revision: 2, version: "2" })) },
      { id: 21, event: updated(agent("a", { revision: 4, version: "4" })) },
      { id: 22, event: registered(agent("c")) },
    ];
    const next = rebase(fresh, previous, meanwhile);
    expect(next.agents.a.version).toBe("4");
    expect(Object.keys(next.agents).sort()).toEqual(["a", "b", "c"]);
    expect(next.cursor).toBe(22);
  });

  it("drops agents the fresh snapshot no longer has, remembering them as removed", () => {
    const previous = fleetOf([agent("a"), agent("gone", { revision: 4 })], 10);
    const next = rebase(fleetOf([agent("a")], 30), previous, []);
    expect(next.agents.gone).toBeUndefined();
    expect(next.removed.gone).toMatchObject({ revision: 4, at: null });
  });

  it("does not resurrect an agent deregistered in an event the snapshot already includes", () => {
    const next = rebase(fleetOf([agent("a")], 30), undefined, [{ id: 25, event: registered(agent("z")) }]);
    expect(next.agents.z).toBeUndefined();
  });
});

describe("supersedes", () => {
  it("compares revisions within one registration, and registrations by time", () => {
    expect(supersedes(agent("a", { revision: 2 }), undefined)).toBe(true);
    expect(supersedes(agent("a", { revision: 2 }), agent("a", { revision: 1 }))).toBe(true);
    expect(supersedes(agent("a", { revision: 1 }), agent("a", { revision: 2 }))).toBe(false);
    expect(supersedes(agent("a", { revision: 1, created_at: at(9) }), agent("a", { revision: 8, created_at: at(0) }))).toBe(true);
  });
});
