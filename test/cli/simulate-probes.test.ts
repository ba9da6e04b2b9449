/**
 * The simulator's own web presence against a real registry: the agents'
 * A2A cards and health endpoints answer on 127.0.0.1, the agents cut off
 * (a quarter of the fleet at the start) close the connection instead, the
 * agents are registered with a probe of those URLs when the registry takes
 * `probe` and without it when it refuses (a 400 naming it), and stopping the
 * simulation closes the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleet } from "../../src/cli/sim/cards.js";
import { startsCutOff } from "../../src/cli/sim/reach.js";
import { runSimulation, SIM_PROBE } from "../../src/cli/sim/simulation.js";
import { parseA2ACard } from "../../src/server/a2a/parse-card.js";
import { ADMIN, card, startTestServer, type TestServer } from "../helpers.js";

let server: TestServer;
beforeAll(async () => {
  // The default heartbeat interval (10 s): no agent changes state while a test looks at it.
  server = await startTestServer({ probeAllow: "127.0.0.0/8" });
});
afterAll(() => server.destroy());

/** Whether this registry takes `probe` on registration (it does once probes are wired). */
async function registryTakesProbes(): Promise<boolean> {
  const res = await fetch(`${server.url}/api/v1/agents`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...card("probe-check"), probe: { kind: "http", url: "http://127.0.0.1:9/healthz" } }),
  });
  if (res.status === 201) {
    await fetch(`${server.url}/api/v1/agents/probe-check`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
    return true;
  }
  expect(res.status).toBe(400);
  return false;
}

describe("the simulator's cards and health endpoints", () => {
  it("serves valid A2A cards and health answers, closes the cut-off agents' connections, and registers with probes the registry takes", async () => {
    const seed = "cards-7";
    const expected = fleet(seed, 8);
    const sim = runSimulation({ url: server.url, agents: 8, seed, rate: 0, token: ADMIN });
    try {
      await sim.ready;
      const s = sim.summary;
      expect(s.registered).toBe(8);
      expect(s.card_server).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(s.unreachable).toBe(2);

      for (const [i, { card: c }] of expected.entries()) {
        const base = `${s.card_server}/agents/${encodeURIComponent(c.id)}`;
        if (startsCutOff(i)) {
          await expect(fetch(`${base}/.well-known/agent-card.json`), c.id).rejects.toThrow();
          await expect(fetch(`${base}/healthz`), c.id).rejects.toThrow();
          continue;
        }
        const res = await fetch(`${base}/.well-known/agent-card.json`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/json");
        const parsed = parseA2ACard(await res.json());
        expect(parsed.ok && parsed.card.name).toBe(c.name);
        expect(parsed.ok && parsed.version).toBe("1.0");
        const health = await fetch(`${base}/healthz`);
        expect(health.status).toBe(200);
      }
      expect((await fetch(`${s.card_server}/agents/nobody/healthz`)).status).toBe(404);

      const takes = await registryTakesProbes();
      expect(s.probes).toBe(takes ? "on" : "refused");
      expect(s.errors).toEqual({});
      const a2aAgent = expected.find((a) => a.card.protocol === "a2a")!.card;
      const httpAgent = expected.find((a) => a.card.protocol !== "a2a")!.card;
      const held = async (id: string) => (await fetch(`${server.url}/api/v1/agents/${id}`).then((r) => r.json())) as { probe?: { kind: string } | null };
      if (takes) {
        expect((await held(a2aAgent.id)).probe?.kind).toBe("a2a");
        expect((await held(httpAgent.id)).probe?.kind).toBe("http");
      } else {
        expect((await held(a2aAgent.id)).probe ?? null).toBeNull();
      }
      expect(SIM_PROBE.timeout_ms).toBeLessThan(SIM_PROBE.interval_ms);
    } finally {
      const final = await sim.stop();
      expect(final.deregistered).toBe(8);
    }
    await expect(fetch(`${sim.summary.card_server}/agents/x/healthz`)).rejects.toThrow();
  });

  it("with probes off serves nothing and registers plain cards", async () => {
    const sim = runSimulation({ url: server.url, agents: 2, seed: "plain-1", rate: 0, probes: false });
    try {
      await sim.ready;
      expect(sim.summary).toMatchObject({ registered: 2, probes: "off", card_server: null });
    } finally {
      await sim.stop();
    }
  });
});
