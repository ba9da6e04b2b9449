/**
 * The probe runner against real HTTP and TCP servers the tests start, with its
 * leases on a real SQLite file. Time is faked (Date and timers) and moved by
 * hand; each step claims what is due and waits for the probes to finish.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { plainFetcher } from "../../../test/probes/plain-fetcher.js";
import { openSqliteLeases } from "../../../test/probes/sqlite-leases.js";
import type { ResolvedProbe } from "../../shared/probe.js";
import type { ProbeDatabase, ProbeLeases } from "../store/probe-leases.js";
import { ProbeRunner, type ProbeRunnerOptions, type ProbeTransition } from "./runner.js";

const INTERVAL = 10_000;
const settings = { interval_ms: INTERVAL, timeout_ms: 2000, failures: 3, successes: 2 };

/** A real A2A card (version 1.0): what the registry's own check accepts. */
const VALID_CARD = readFileSync(new URL("../../../test/fixtures/a2a/card-v1.json", import.meta.url), "utf8");

/** A local target: `/status` answers `status`, `/card` the `card` body, `/hold` waits until released; in-flight counted per Host. */
function startTarget() {
  const state = { status: 200, card: VALID_CARD, cardType: "application/json", requests: 0 };
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  let total = 0;
  let maxTotal = 0;
  const held: (() => void)[] = [];
  const arrivals: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    state.requests++;
    arrivals.splice(0).forEach((wake) => wake());
    const path = req.url ?? "/";
    if (path === "/status") return void res.writeHead(state.status).end();
    if (path === "/card") return void res.writeHead(200, { "content-type": state.cardType }).end(state.card);
    const host = req.headers.host ?? "";
    inFlight.set(host, (inFlight.get(host) ?? 0) + 1);
    maxInFlight.set(host, Math.max(maxInFlight.get(host) ?? 0, inFlight.get(host)!));
    maxTotal = Math.max(maxTotal, ++total);
    held.push(() => {
      inFlight.set(host, inFlight.get(host)! - 1);
      total--;
      res.writeHead(200).end();
    });
  });
  const listening = new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
  return {
    state,
    listening,
    held,
    maxInFlight,
    get maxTotal() {
      return maxTotal;
    },
    /** Resolves once `n` requests have arrived in all. */
    async arrived(n: number) {
      while (state.requests < n) await new Promise<void>((r) => arrivals.push(r));
    },
    releaseAll() {
      held.splice(0).forEach((answer) => answer());
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("probe runner", () => {
  let dir: string;
  let db: Kysely<ProbeDatabase>;
  let leases: ProbeLeases;
  let target: ReturnType<typeof startTarget>;
  let port: number;
  let transitions: { agentId: string; t: ProbeTransition }[];
  let errors: unknown[];
  const runners: ProbeRunner[] = [];

  const runner = (over: Partial<ProbeRunnerOptions> = {}) => {
    const r = new ProbeRunner({
      leases,
      fetcher: plainFetcher(),
      onTransition: async (agentId, t) => void transitions.push({ agentId, t }),
      clock: { now: () => Date.now() },
      concurrency: 64,
      perHost: 4,
      owner: "test",
      onError: (err) => errors.push(err),
      // These tables have no agents: reconciling would remove every probe row (it is tested with the app, test/probes).
      reconcileMs: Infinity,
      random: () => 0.5, // no jitter: each probe is due exactly one interval after the last
      ...over,
    });
    runners.push(r);
    return r;
  };
  /** Moves time to the next round of probes, claims what is due and waits for it to finish. */
  const step = async (r: ProbeRunner) => {
    vi.setSystemTime(Date.now() + INTERVAL);
    await r.tick();
    await r.idle();
  };
  const httpProbe = (path: string, host = "target.test"): ResolvedProbe => ({ kind: "http", url: `http://${host}:${port}${path}`, ...settings });
  const moves = () => transitions.map(({ t }) => `${t.from}->${t.to}`);

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"], now: 1_000_000 });
    dir = mkdtempSync(join(tmpdir(), "agentmesh-runner-"));
    ({ db, leases } = await openSqliteLeases(join(dir, "agentmesh.db")));
    target = startTarget();
    port = await target.listening;
    transitions = [];
    errors = [];
  });

  afterEach(async () => {
    target.releaseAll();
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await target.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
    vi.useRealTimers();
    expect(errors).toEqual([]);
  });

  it("a target failing every other probe gives no transition", async () => {
    const r = runner();
    await leases.upsert("flappy", httpProbe("/status"), Date.now());
    await step(r);
    expect(moves()).toEqual(["unknown->passing"]);
    for (let i = 0; i < 20; i++) {
      target.state.status = i % 2 === 0 ? 503 : 200;
      await step(r);
    }
    expect(target.state.requests).toBe(21);
    expect(moves()).toEqual(["unknown->passing"]);
    const rec = await leases.get("flappy");
    expect(rec?.counters.state).toBe("passing");
    expect(rec?.recent.filter((x) => !x.ok)).toHaveLength(10);
  });

  it("three failures in a row give one transition, carrying the probe's result; two successes give the recovery", async () => {
    const r = runner();
    await leases.upsert("a", httpProbe("/status"), Date.now());
    await step(r);
    target.state.status = 503;
    await step(r);
    await step(r);
    expect(moves()).toEqual(["unknown->passing"]);
    await step(r);
    expect(moves()).toEqual(["unknown->passing", "passing->failing"]);
    const down = transitions[1];
    expect(down.agentId).toBe("a");
    expect(down.t).toMatchObject({ at: Date.now(), probe: { kind: "http", ok: false, status_code: 503, error: "HTTP 503" } });
    expect(down.t.probe.latency_ms).toBeGreaterThanOrEqual(0);
    expect(down.t.counters).toMatchObject({ state: "failing", consecutiveFailures: 3, failingSince: Date.now() - 2 * INTERVAL });
    await step(r);
    expect(moves()).toHaveLength(2); // still failing
    target.state.status = 204;
    await step(r);
    expect(moves()).toHaveLength(2);
    await step(r);
    expect(moves()).toEqual(["unknown->passing", "passing->failing", "failing->passing"]);
    expect(transitions[2].t.probe).toMatchObject({ ok: true, status_code: 204 });
    expect((await leases.get("a"))?.pendingTransition).toBeNull();
  });

  it("an a2a probe passes when the card parses and fails, with the reason, when it does not", async () => {
    const r = runner();
    await leases.upsert("card", { kind: "a2a", url: `http://agent.test:${port}/card`, ...settings, failures: 1 }, Date.now());
    await step(r);
    target.state.card = "<html>hello</html>";
    target.state.cardType = "text/html";
    await step(r);
    expect(moves()).toEqual(["unknown->passing", "passing->failing"]);
    expect(transitions[1].t.probe).toMatchObject({ kind: "a2a", ok: false, status_code: 200, error: "not JSON: the card is not JSON" });
    // JSON that is not an A2A card fails with the first schema fault the A2A parser names, as at registration.
    target.state.card = '{"description":"no name"}';
    target.state.cardType = "application/json";
    await step(r);
    expect((await leases.get("card"))?.lastResult).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid card: \/\w+ is required .*\(and \d+ more\)$/) });
  });

  it("a tcp probe passes while the port accepts and fails when it is refused", async () => {
    const listener = net.createServer((s) => s.destroy());
    const tcpPort = await new Promise<number>((resolve) => listener.listen(0, "127.0.0.1", () => resolve((listener.address() as AddressInfo).port)));
    const r = runner();
    await leases.upsert("db", { kind: "tcp", host: "db.test", port: tcpPort, ...settings, failures: 1 }, Date.now());
    await step(r);
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    await step(r);
    expect(moves()).toEqual(["unknown->passing", "passing->failing"]);
    expect(transitions[1].t.probe).toMatchObject({ kind: "tcp", ok: false, error: expect.stringMatching(/^refused: /) });
  });

  it.each([
    { concurrency: 5, perHost: 2, first: { running: 4, queued: 6 } },
    { concurrency: 5, perHost: 10, first: { running: 5, queued: 5 } },
  ])("holds the global cap and the per-host cap ($concurrency, $perHost), and gets to every probe", async ({ concurrency, perHost, first }) => {
    const r = runner({ concurrency, perHost });
    // Due host by host: the first claim takes twice the global cap (one batch beyond what runs), the
    // five probes of h0 and the five of h1, and starts what the global and per-host caps allow.
    for (let h = 0; h < 4; h++) for (let i = 0; i < 5; i++) await leases.upsert(`h${h}-${i}`, httpProbe("/hold", `h${h}.test`), Date.now() - 1000 + h * 5 + i);
    await r.tick();
    await target.arrived(first.running);
    expect(r.stats()).toEqual(first);
    // Answer whatever is held, and claim again as probes finish, until every agent was probed once.
    for (let round = 0; round < 200 && (target.state.requests < 20 || r.stats().running > 0); round++) {
      target.releaseAll();
      await Promise.race([r.idle(), target.arrived(target.state.requests + 1)]);
      await r.tick();
    }
    expect(target.state.requests).toBe(20);
    expect(target.maxTotal).toBeLessThanOrEqual(concurrency);
    expect(target.maxInFlight.size).toBe(4);
    expect(Math.max(...target.maxInFlight.values())).toBe(Math.min(perHost, 5));
    const rows = await db.selectFrom("probes").select(["lease_owner", "last_result"]).execute();
    expect(rows.every((row) => row.lease_owner === null && row.last_result !== null)).toBe(true);
  });

  it("a transition whose announcement failed is offered again with the next claim, and acknowledged once", async () => {
    let fail = true;
    const calls: string[] = [];
    const r = runner({
      onTransition: async (agentId, t) => {
        calls.push(`${agentId}:${t.from}->${t.to}`);
        if (fail) throw new Error("store unavailable");
      },
    });
    await leases.upsert("a", httpProbe("/status"), Date.now());
    await step(r);
    expect(calls).toEqual(["a:unknown->passing"]);
    expect(errors).toHaveLength(1);
    errors.length = 0;
    expect((await leases.get("a"))?.pendingTransition).toMatchObject({ from: "unknown", to: "passing" });
    fail = false;
    await step(r);
    expect(calls).toEqual(["a:unknown->passing", "a:unknown->passing"]);
    expect((await leases.get("a"))?.pendingTransition).toBeNull();
    await step(r);
    expect(calls).toHaveLength(2);
  });

  it("runs on its own timer once started; stop() drops the probes in flight and gives the leases back", async () => {
    const r = runner({ tickMs: 1000 });
    await leases.upsert("slow", httpProbe("/hold"), Date.now());
    r.start();
    await vi.advanceTimersByTimeAsync(0);
    await target.arrived(1);
    expect(r.stats().running).toBe(1);
    expect((await leases.get("slow"))?.leaseOwner).toBe("test");
    await r.stop();
    const rec = await leases.get("slow");
    expect(rec).toMatchObject({ leaseOwner: null, leaseUntil: null, lastResult: null, recent: [] });
    expect(transitions).toEqual([]);
  });
});
