import { Value } from "typebox/value";
import { describe, expect, it } from "vitest";
import { AgentCard } from "../../shared/agent.js";
import { INITIAL_BEHAVIOUR, invoke, nextBehaviour, type AgentBehaviour } from "./behaviour.js";
import { fleet } from "./cards.js";
import { createRandom } from "./random.js";

function run(seed: string, ticks: number): AgentBehaviour[] {
  const [agent] = fleet(seed, 1);
  const rnd = createRandom(seed).fork("agent-0");
  const states: AgentBehaviour[] = [];
  let b = INITIAL_BEHAVIOUR;
  for (let i = 0; i < ticks; i++) states.push((b = nextBehaviour(b, agent.persona, rnd, 3)));
  return states;
}

describe("simulated fleet", () => {
  it("gives the same cards for the same seed and different ones for another", () => {
    expect(fleet("42", 20)).toEqual(fleet("42", 20));
    expect(fleet("42", 20).map((a) => a.card.id)).not.toEqual(fleet("43", 20).map((a) => a.card.id));
    expect(fleet(42, 5)).toEqual(fleet("42", 5));
  });

  it("makes valid, varied cards with unique ids", () => {
    const agents = fleet("variety", 40);
    for (const { card } of agents) expect(Value.Check(AgentCard, card), JSON.stringify(card)).toBe(true);
    expect(new Set(agents.map((a) => a.card.id)).size).toBe(40);
    expect(new Set(agents.map((a) => a.card.protocol)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(agents.map((a) => a.card.provider)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(agents.map((a) => a.card.skills![0].name)).size).toBeGreaterThanOrEqual(10);
    expect(agents.every((a) => a.card.tags!.includes("simulated"))).toBe(true);
  });

  it("takes the same decisions for the same seed", () => {
    expect(run("7", 500)).toEqual(run("7", 500));
    expect(run("7", 500)).not.toEqual(run("8", 500));
  });

  it("degrades, fails, goes silent long enough to be marked offline, and recovers", () => {
    const states = run("7", 2000);
    const seen = new Set(states.map((s) => s.state));
    expect([...seen].sort()).toEqual(["degraded", "healthy", "silent", "unhealthy"]);
    // A silence lasts more than the 3 ticks after which the registry marks the agent offline.
    let longest = 0;
    let current = 0;
    for (const s of states) {
      current = s.state === "silent" ? current + 1 : 0;
      longest = Math.max(longest, current);
    }
    expect(longest).toBeGreaterThan(3);
    expect(states.at(-1)!.state === "silent" || states.some((s, i) => i > 0 && states[i - 1].state === "silent" && s.state === "healthy")).toBe(true);
  });

  it("answers invocations according to health: silence times out, healthy mostly succeeds", () => {
    const persona = { reliability: 0.9, flakiness: 1, latencyMs: 200 };
    const rnd = createRandom("inv");
    const rate = (state: Parameters<typeof invoke>[0]) => {
      let ok = 0;
      for (let i = 0; i < 1000; i++) if (invoke(state, persona, rnd).outcome === "success") ok++;
      return ok / 1000;
    };
    expect(rate("healthy")).toBeGreaterThan(0.8);
    expect(rate("unhealthy")).toBeLessThan(0.3);
    expect(rate("silent")).toBe(0);
  });
});
