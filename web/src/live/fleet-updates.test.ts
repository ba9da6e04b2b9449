import { describe, expect, it } from "vitest";
import { agent, at, deregistered, registered, updated } from "../test/factories";
import { applyRemovals, MAX_REMOVALS, supersedes, type Removals } from "./fleet-updates";

const none = () => undefined;

describe("applyRemovals", () => {
  it("remembers a deregistration with the last snapshot held, from the batch or from the page", () => {
    const fromBatch = applyRemovals({}, [
      { id: 11, event: updated(agent("a", { name: "Alpha", revision: 2 })) },
      { id: 12, event: deregistered("a", 2, 50) },
    ], none);
    expect(fromBatch.a).toEqual({ revision: 2, at: at(50), agent: agent("a", { name: "Alpha", revision: 2 }) });
    const fromPage = applyRemovals({}, [{ id: 12, event: deregistered("b", 3, 60) }], (id) => agent(id, { name: "Held", revision: 3 }));
    expect(fromPage.b).toMatchObject({ at: at(60), agent: { name: "Held" } });
    expect(applyRemovals({}, [{ id: 13, event: deregistered("c", 1) }], none).c).toMatchObject({ agent: null });
  });

  it("forgets a removal when the id registers again, and ignores a deregistration older than the agent held", () => {
    const removed = applyRemovals({}, [{ id: 11, event: deregistered("a", 4) }], () => agent("a", { revision: 4 }));
    expect(applyRemovals(removed, [{ id: 12, event: registered(agent("a", { created_at: at(90) })) }], none).a).toBeUndefined();
    expect(applyRemovals({}, [{ id: 13, event: deregistered("a", 3) }], () => agent("a", { revision: 9 }))).toEqual({});
  });

  it("returns the same object when nothing changed, and keeps a bounded memory", () => {
    const empty: Removals = {};
    expect(applyRemovals(empty, [{ id: 11, event: updated(agent("a")) }], none)).toBe(empty);
    let removed: Removals = {};
    for (let i = 0; i < MAX_REMOVALS + 5; i++) removed = applyRemovals(removed, [{ id: i, event: deregistered(`x${i}`, 1) }], none);
    expect(Object.keys(removed)).toHaveLength(MAX_REMOVALS);
    expect(removed.x0).toBeUndefined();
    expect(removed[`x${MAX_REMOVALS + 4}`]).toBeDefined();
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
