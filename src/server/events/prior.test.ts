/**
 * The prior record rebuilds the agent before an event exactly (through its
 * JSON, as the log keeps it), so classifying from the log gives what
 * classifying from the true before would.
 */
import { describe, expect, it } from "vitest";
import { createRandom } from "../../cli/sim/random.js";
import { classify, subjectOf, type SelectorSubject } from "../../shared/selector.js";
import { HEALTH, randomAgent, randomSelector } from "../../../test/selector-cases.js";
import { beforeOf, commitPriors, priorOf, type Prior } from "./prior.js";

const base: SelectorSubject = {
  id: "a",
  name: "A",
  description: "d",
  protocol: "a2a",
  tags: ["x"],
  skills: [{ name: "s", tags: ["t"] }],
  provider: null,
  health_status: "healthy",
  trust_score: 0.5,
};

/** Through the log: JSON out, JSON in. */
const logged = (p: Prior | null) => JSON.parse(JSON.stringify(p)) as Prior | null;

describe("priorOf", () => {
  it("records only the selector fields that changed, as they were", () => {
    expect(priorOf(base, { ...base, health_status: "degraded" })).toEqual({ health_status: "healthy" });
    expect(priorOf(base, { ...base, trust_score: 0.81, tags: ["x", "y"] })).toEqual({ trust_score: 0.5, tags: ["x"] });
    expect(priorOf(base, { ...base, skills: [{ name: "s" }] })).toEqual({ skills: [{ name: "s", tags: ["t"] }] });
    expect(priorOf(base, { ...base })).toEqual({});
    // Fields no selector reads are not recorded.
    expect(priorOf({ ...base, version: "1" } as SelectorSubject, { ...base, version: "2" } as SelectorSubject)).toEqual({});
    expect(JSON.stringify(priorOf(base, { ...base, health_status: "offline" })).length).toBeLessThan(40);
  });

  it("a registration records nothing; a deregistration records every selector field", () => {
    expect(priorOf(null, base)).toBeNull();
    expect(priorOf(base, null)).toEqual(base);
  });

  it("one commit's events: the change on the first, nothing on the rest", () => {
    expect(commitPriors(base, { ...base, health_status: "unhealthy", trust_score: 0.4 }, 2)).toEqual([{ health_status: "healthy", trust_score: 0.5 }, {}]);
  });
});

describe("beforeOf", () => {
  it("rebuilds the agent before the change", () => {
    const after = { ...base, health_status: "degraded", trust_score: 0.3 };
    expect(beforeOf("agent_health_changed", logged(priorOf(base, after)), after)).toEqual(base);
    expect(beforeOf("agent_deregistered", logged(priorOf(base, null)), null)).toEqual(base);
    expect(beforeOf("agent_registered", null, base)).toBeNull();
  });

  it("cannot say for an event written without a record (older servers): undefined, not a guess", () => {
    expect(beforeOf("agent_updated", undefined, base)).toBeUndefined();
    expect(beforeOf("agent_health_changed", null, base)).toBeUndefined();
    expect(beforeOf("agent_deregistered", { health_status: "healthy" }, null)).toBeUndefined();
  });

  it("classifying from the log gives what classifying from the true before gives; a commit moves an agent once", () => {
    const rng = createRandom("prior");
    const agents = Array.from({ length: 40 }, (_, n) => randomAgent(rng, n));
    let moved = 0;
    for (let i = 0; i < 400; i++) {
      const before = rng.pick(agents);
      // Often a small change of the same agent, sometimes a different card altogether.
      const field = rng.pick(["health_status", "trust_score", "tags", "provider"] as const);
      const after = rng.chance(0.7) ? { ...before, [field]: rng.pick(agents)[field] } : { ...rng.pick(agents), id: before.id };
      // Random selectors are narrow; broad ones on health and trust make agents move in and out often.
      const selector = rng.chance(0.5) ? randomSelector(rng, agents) : { health: rng.sample(HEALTH, 2), min_trust: rng.pick([0, 0.5, 0.8]) };
      const [first, second] = commitPriors(before, after, 2).map(logged);
      const truth = classify(selector, before, after);
      expect(classify(selector, beforeOf("agent_health_changed", first, after)!, after)).toBe(truth);
      expect(["stayed", null]).toContain(classify(selector, beforeOf("trust_score_changed", second, after)!, after));
      expect(classify(selector, beforeOf("agent_deregistered", logged(priorOf(before, null)), null)!, null)).toBe(classify(selector, before, null));
      expect(subjectOf(beforeOf("agent_updated", first, after)!)).toEqual(subjectOf(before));
      if (truth === "entered" || truth === "left") moved++;
    }
    expect(moved).toBeGreaterThan(30);
  });
});
