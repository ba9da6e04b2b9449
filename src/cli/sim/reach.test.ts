import { describe, expect, it } from "vitest";
import { AgentMeshError } from "@agentmesh/client";
import { parseA2ACard } from "../../server/a2a/parse-card.js";
import { simulatedA2ACard } from "./card-server.js";
import { fleet } from "./cards.js";
import { createRandom } from "./random.js";
import { CUTS, initialReach, nextReach, startsCutOff, type Reach } from "./reach.js";
import { refusesProbe } from "./simulation.js";

const persona = { reliability: 0.9, flakiness: 1, latencyMs: 200 };

describe("simulated reachability", () => {
  it("starts a quarter of a fleet cut off, for a bounded number of ticks", () => {
    const rnd = createRandom("reach");
    const starts = Array.from({ length: 12 }, (_, i) => initialReach(i, rnd));
    expect(starts.filter((r) => !r.reachable)).toHaveLength(3);
    expect(starts.map((r, i) => r.reachable === !startsCutOff(i)).every(Boolean)).toBe(true);
    for (const r of starts.filter((s) => !s.reachable)) expect(r.ticks).toBeGreaterThanOrEqual(CUTS.minTicks);
  });

  it("ends every cut after its ticks, and cuts reachable agents now and then", () => {
    const rnd = createRandom("7");
    let reach: Reach = { reachable: false, ticks: 3 };
    const seen: Reach[] = [];
    for (let i = 0; i < 3000; i++) seen.push((reach = nextReach(reach, persona, rnd)));
    expect(seen.slice(0, 3).map((r) => r.reachable)).toEqual([false, false, true]);
    const cuts = seen.filter((r, i) => i > 0 && seen[i - 1].reachable && !r.reachable).length;
    // 0.015 a tick over ~2700 reachable ticks: about 40 cuts.
    expect(cuts).toBeGreaterThan(10);
    expect(cuts).toBeLessThan(100);
    let run = 0;
    let longest = 0;
    for (const r of seen) longest = Math.max(longest, (run = r.reachable ? 0 : run + 1));
    expect(longest).toBeLessThanOrEqual(CUTS.maxTicks);
  });
});

describe("the simulated agents' A2A cards", () => {
  it("are valid A2A 1.0 cards with the agent's interface and skills, most with a security scheme", () => {
    const cards = fleet("cards", 12).map((a) => ({ sim: a.card, a2a: simulatedA2ACard(a.card) }));
    for (const { sim, a2a } of cards) {
      const parsed = parseA2ACard(JSON.parse(JSON.stringify(a2a)));
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      expect(parsed.ok && parsed.version).toBe("1.0");
      expect(a2a.supportedInterfaces[0].url).toBe(sim.endpoint);
      expect(a2a.skills.map((s) => s.name)).toEqual(sim.skills!.map((s) => s.name));
    }
    expect(cards.filter((c) => c.a2a.securitySchemes).length).toBeGreaterThan(6);
  });
});

describe("refusesProbe", () => {
  const problem = (status: number, detail: string, errors?: { field: string; message: string }[]) => new AgentMeshError({ status, code: "validation_failed", detail, errors });

  it("is true for a 400 naming probe: an unknown field, or a probe the registry will not take", () => {
    expect(refusesProbe(problem(400, "body.probe is not a known field", [{ field: "body.probe", message: "is not a known field" }]))).toBe(true);
    expect(refusesProbe(problem(400, "invalid", [{ field: "body.probe.url", message: "loopback is denied" }]))).toBe(true);
    expect(refusesProbe(problem(400, "the probe URL is in a denied range"))).toBe(true);
  });

  it("is false for other fields, other statuses and other errors", () => {
    expect(refusesProbe(problem(400, "body.endpoint must be a URL", [{ field: "body.endpoint", message: "must be a URL" }]))).toBe(false);
    expect(refusesProbe(problem(409, "the probe's agent id is taken"))).toBe(false);
    expect(refusesProbe(new Error("probe"))).toBe(false);
  });
});
