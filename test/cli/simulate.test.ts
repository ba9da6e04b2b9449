/**
 * `agentmesh simulate` and `agentmesh serve --demo` as real processes: a fixed
 * seed registers the expected cards, health and trust move, Ctrl-C
 * deregisters the fleet, `--keep` leaves it, and the admin token lets a re-run
 * of the same seed replace what was left.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleet } from "../../src/cli/sim/cards.js";
import { startServer } from "../../src/server/start.js";
import type { AgentCard } from "../../src/shared/agent.js";
import type { RegistryEvent } from "../../src/shared/events.js";
import { ADMIN, startTestServer, tempDir, waitFor, type TestServer } from "../helpers.js";
import { FAST, logAfter } from "../sdk/support.js";
import { cli, freePort, run } from "./support.js";

let server: TestServer;
beforeAll(async () => {
  // trustMaturity 0: the simulated agents are seconds old, and their reports should move trust here.
  server = await startTestServer({ ...FAST, trustMaturity: "0" });
});
afterAll(() => server.destroy());

const cardOf = (a: AgentCard & Record<string, unknown>): AgentCard => {
  const { id, name, version, description, endpoint, protocol, skills, tags, provider, metadata } = a;
  return { id, name, version, description, endpoint, protocol, skills, tags, provider: provider ?? undefined, metadata: metadata ?? undefined } as AgentCard;
};

async function registeredSince(after: number, ids: string[]) {
  const log = await logAfter(server.url, after);
  return log.filter((e): e is Extract<RegistryEvent, { type: "agent_registered" }> & { id: number } => e.type === "agent_registered" && ids.includes(e.agent_id));
}

async function getJson(url: string): Promise<any> {
  return fetch(url).then((r) => r.json());
}

async function cursor(): Promise<number> {
  return (await getJson(`${server.url}/api/v1/agents?limit=1`)).cursor;
}

describe("agentmesh simulate", () => {
  it("registers the seed's cards, moves health and trust, and deregisters on Ctrl-C", async () => {
    const expected = fleet("42", 5).map((a) => a.card);
    const ids = expected.map((c) => c.id);
    const start = await cursor();
    const sim = cli(["simulate", "--agents", "5", "--seed", "42", "--rate", "20", "--json", "--url", server.url]);

    const registered = await waitFor(async () => {
      const r = await registeredSince(start, ids);
      return r.length === 5 && r;
    }, "the five agents to register");
    expect(registered.map((e) => cardOf(e.agent as never))).toEqual(expect.arrayContaining(expected.map((c) => cardOf(c as never))));

    const moved = await waitFor(async () => {
      const log = await logAfter(server.url, start);
      const health = log.find((e) => e.type === "agent_health_changed" && ids.includes(e.agent_id) && ["degraded", "unhealthy", "offline"].includes(e.status));
      const trust = log.find((e) => e.type === "trust_score_changed" && e.reason.includes("reported by"));
      return health && trust && { health, trust };
    }, "health and trust to move", 30_000);
    expect(moved.health.type).toBe("agent_health_changed");

    expect(await sim.stop("SIGINT")).toBe(0);
    const summary = JSON.parse(sim.stdout);
    expect(summary).toMatchObject({ seed: "42", agents: 5, registered: 5, deregistered: 5, failed_registrations: [] });
    expect(summary.heartbeats).toBeGreaterThan(5);
    expect(summary.reports.success + summary.reports.failure + summary.reports.timeout).toBeGreaterThan(0);
    const list = await getJson(`${server.url}/api/v1/agents?tag=simulated&limit=1000`);
    expect(list.agents.filter((a: { id: string }) => ids.includes(a.id))).toEqual([]);
  });

  it("repeats the same cards for the same seed; --keep leaves them; the admin token replaces them", async () => {
    const ids = fleet("kept", 3).map((a) => a.card.id);
    const first = await cursor();
    const a = await run(["simulate", "-n", "3", "--seed", "kept", "--duration", "1s", "--keep", "--json", "--url", server.url]);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ registered: 3, deregistered: 0 });
    const listed = await getJson(`${server.url}/api/v1/agents?tag=simulated&limit=1000`);
    expect(listed.agents.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(ids));

    // The tokens of the kept agents died with that process: without the admin token, the ids are taken.
    const b = await run(["simulate", "-n", "3", "--seed", "kept", "--duration", "1s", "--json", "--url", server.url]);
    expect(b.code).toBe(1);
    expect(JSON.parse(b.stdout).failed_registrations.map((f: { code: string }) => f.code)).toEqual(["agent_id_taken", "agent_id_taken", "agent_id_taken"]);
    expect(b.stderr.trim().split("\n").at(-1)).toBe(
      "agentmesh simulate: 3 of 3 agent ids are held by an earlier run of seed kept (left with --keep, or killed); pass the admin token (--token) to replace them, or use another --seed",
    );

    const second = await cursor();
    const c = await run(["simulate", "-n", "3", "--seed", "kept", "--duration", "1s", "--json", "--url", server.url, "--token", ADMIN]);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ registered: 3, deregistered: 3 });
    const cardsOf = async (after: number) =>
      (await registeredSince(after, ids)).slice(0, 3).map((e) => cardOf(e.agent as never)).sort((x, y) => x.id.localeCompare(y.id));
    expect(await cardsOf(second)).toEqual(await cardsOf(first));
  });

  it("without the registration token a registry needs, says which flag to pass, and registers nothing", async () => {
    const guarded = await startTestServer({ ...FAST, registrationToken: "registration-token-0123456789" });
    try {
      const r = await run(["simulate", "--agents", "2", "--seed", "7", "--duration", "2s", "--url", guarded.url]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n").at(-1)).toBe(
        "agentmesh simulate: the registry requires a registration token for new agents (401 unauthorized): pass --registration-token or set AGENTMESH_REGISTRATION_TOKEN",
      );
      expect((await getJson(`${guarded.url}/api/v1/agents`)).total).toBe(0);
      const ok = await run(["simulate", "--agents", "2", "--seed", "7", "--duration", "2s", "--registration-token", "registration-token-0123456789", "--url", guarded.url]);
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      await guarded.destroy();
    }
  });
});

describe("agentmesh serve --demo", () => {
  it("runs a simulated fleet beside the server and deregisters it on shutdown", async () => {
    const dir = tempDir("agentmesh-demo-");
    const dbFile = join(dir, "demo.db");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const demo = cli(["serve", "--demo", "--port", String(port), "--database", `sqlite:${dbFile}`, "--log-level", "warn", "--heartbeat-interval", "300ms", "--offline-after", "1s", "--web-root", join(dir, "none")]);
    try {
      await waitFor(async () => {
        const list = await getJson(`${url}/api/v1/agents?tag=simulated&health=healthy`).catch(() => null);
        return list?.total >= 6;
      }, "the demo fleet to be up", 20_000);
      expect(demo.stderr).toMatch(/demo: 12 simulated agents running/);
      // The demo counts the new fleet's reports (--trust-maturity 0), so trust moves by reports too.
      expect(demo.stderr).toMatch(/demo: reports from the simulated agents count in full/);
      // Its agents serve cards from this machine, so the registry may fetch loopback (never a default outside --demo).
      expect(demo.stderr).toContain("demo: the registry may fetch cards from and probe this machine (--probe-allow 127.0.0.0/8,::1/128)");
      // The agents' cards and health endpoints are served from the demo's process; the registry probes them
      // (or, a registry without probes, refuses the probe and the fleet registers without).
      const served = /serving their cards at (http:\/\/127\.0\.0\.1:\d+), probed by the registry/.exec(demo.stderr);
      if (served) {
        const ids: string[] = (await getJson(`${url}/api/v1/agents?tag=simulated&limit=100`)).agents.map((a: { id: string }) => a.id);
        const cards = await Promise.all(ids.map((id) => fetch(`${served[1]}/agents/${id}/.well-known/agent-card.json`).then((r) => r.json(), () => null)));
        expect(cards.filter((c) => c !== null && c.supportedInterfaces?.length === 1).length).toBeGreaterThan(0);
      } else {
        expect(demo.stderr).toContain("the registry refused their probes, so they are judged by heartbeats alone");
      }
      await waitFor(async () => {
        const events = await logAfter(url, 0, "").catch(() => []);
        return events.some((e) => e.type === "trust_score_changed" && / reported by /.test(String(e.reason)));
      }, "a trust change caused by a report", 20_000);
      expect(await demo.stop("SIGTERM")).toBe(0);

      const after = await startServer({ port: 0, database: `sqlite:${dbFile}`, logLevel: "silent", webRoot: join(dir, "none") });
      try {
        const list = await getJson(`${after.url}/api/v1/agents`);
        expect(list.total).toBe(0);
        const log = await logAfter(after.url, 0, "");
        expect(log.filter((e) => e.type === "agent_deregistered")).toHaveLength(12);
      } finally {
        await after.close(50);
      }
    } finally {
      await demo.stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
