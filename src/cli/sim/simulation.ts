/**
 * `runSimulation()`: a fleet of simulated agents against a registry, used by
 * `agentmesh simulate` and `agentmesh serve --demo`. Each agent registers its
 * card, heartbeats at the interval the server asks for (reporting the status
 * its behaviour decides, or nothing while silent), and the fleet reports
 * invocation outcomes about its members at `rate` per second, so health and
 * trust move. Every request goes through the SDK.
 *
 * The agents also serve their A2A cards and health endpoints from this process
 * (card-server.ts) and register with a probe pointing there, so the registry
 * checks them for itself; some are cut off for a while (reach.ts) and stop
 * answering probes while their heartbeats still say "healthy". A registry that
 * does not take `probe` yet (a 400 naming it) gets the plain registrations.
 */
import { AgentMeshClient, AgentMeshError, cancellableSleep } from "@agentmesh/client";
import type { InvocationOutcome } from "../../shared/agent.js";
import type { AgentCard } from "../../shared/agent.js";
import type { ProbeSpec } from "../../shared/probe.js";
import { INITIAL_BEHAVIOUR, invoke, nextBehaviour, type AgentBehaviour, type SimState } from "./behaviour.js";
import { startCardServer, type CardServer } from "./card-server.js";
import { fleet, type SimAgent } from "./cards.js";
import { Pacer } from "./pacer.js";
import { createRandom, type Random } from "./random.js";
import { initialReach, nextReach, type Reach } from "./reach.js";

export interface SimulationOptions {
  /** The registry's base URL. */
  url: string;
  /** How many agents (1–1000). */
  agents: number;
  /** Same seed → same cards and same decisions (default: a random one, reported in the summary). */
  seed?: string | number;
  /** Invocation reports per second across the fleet (default: a quarter of the fleet size, at least 1). */
  rate?: number;
  /** Stop by itself after this many milliseconds (default: run until `stop()`). */
  durationMs?: number;
  /** Read/admin token: with the admin token, agents left behind by an earlier run of the same seed are replaced. */
  token?: string;
  /** Sent with registrations when the server requires one. */
  registrationToken?: string;
  /** Leave the agents registered at the end (they go offline) instead of deregistering them. */
  keep?: boolean;
  /** Most requests in flight for reports (default 64); beyond it reports are skipped and counted. */
  maxInFlight?: number;
  /** Paces registrations under the server's per-address limit (default: a Pacer starting at 10/s). */
  pacer?: Pacer;
  /** Serve cards and health endpoints on 127.0.0.1 and register each agent with a probe of them (default true). */
  probes?: boolean;
  fetch?: typeof globalThis.fetch;
}

/**
 * Probe settings for the simulated agents: the fastest the registry allows,
 * so a cut-off agent is shown failing within about ten seconds and a
 * recovered one within five.
 */
export const SIM_PROBE = { interval_ms: 5_000, timeout_ms: 2_000, failures: 2, successes: 1 } as const;

/** `off` (not asked for), `on` (registered with probes) or `refused` (the registry refused `probe`: registered without). */
export type ProbeMode = "off" | "on" | "refused";

/** The counters, also what `agentmesh simulate --json` prints: snake_case, like the API. */
export interface SimulationSummary {
  seed: string;
  agents: number;
  registered: number;
  /** Ids that could not be registered (with why), e.g. held by an earlier run. */
  failed_registrations: { id: string; code: string; detail: string }[];
  deregistered: number;
  heartbeats: number;
  reports: Record<InvocationOutcome, number>;
  /** Reports not sent because `maxInFlight` requests were already waiting. */
  skipped_reports: number;
  /**
   * Answers of 429 (over the server's rate limit): not errors; registrations,
   * heartbeats and deregistrations were sent again after `Retry-After`, reports dropped.
   */
  rate_limited: number;
  /** State changes the agents went through, by the state entered. */
  transitions: Record<SimState, number>;
  /** Now, by simulated state. */
  states: Record<SimState, number>;
  /** Failed requests by error code. */
  errors: Record<string, number>;
  elapsed_ms: number;
  /** Whether the agents were registered with probes. */
  probes: ProbeMode;
  /** Where the agents' cards and health endpoints are served (null without probes). */
  card_server: string | null;
  /** Agents now not answering probes: cut off (still heartbeating) or silent. */
  unreachable: number;
  /** The agents' cut-offs that began, over the run. */
  cuts: number;
}

export interface Simulation {
  /** Resolves once every agent has tried to register (rejects if none could). */
  readonly ready: Promise<void>;
  /** Resolves with the final summary when the simulation has ended (duration elapsed or `stop()`). */
  readonly done: Promise<SimulationSummary>;
  /** Live counters. */
  readonly summary: SimulationSummary;
  /** Stops every agent and (unless `keep`) deregisters them; resolves with the final summary. */
  stop(): Promise<SimulationSummary>;
}

interface Member {
  sim: SimAgent;
  client: AgentMeshClient;
  rnd: Random;
  behaviour: AgentBehaviour;
  reach: Reach;
  reachRnd: Random;
  registered: boolean;
  sleeper: ReturnType<typeof cancellableSleep> | null;
}

const REGISTER_CONCURRENCY = 8;

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

/**
 * A 400 that names `probe`: a registry without probes (`body.probe` is not a
 * known field) or one that refuses this probe (e.g. a loopback URL it may not fetch).
 */
export function refusesProbe(err: unknown): boolean {
  if (!(err instanceof AgentMeshError) || err.status !== 400) return false;
  return (err.errors ?? []).some((e) => /^body\.probe\b/.test(e.field)) || /\bprobe\b/.test(err.detail);
}

export function runSimulation(options: SimulationOptions): Simulation {
  if (!Number.isInteger(options.agents) || options.agents < 1 || options.agents > 1000) throw new RangeError("agents must be a whole number from 1 to 1000");
  const seed = String(options.seed ?? Math.floor(Math.random() * 1e9));
  const rate = options.rate ?? Math.max(1, options.agents / 4);
  const maxInFlight = options.maxInFlight ?? 64;
  const started = Date.now();
  const admin = options.token ? new AgentMeshClient({ url: options.url, token: options.token, fetch: options.fetch }) : null;
  const fleetRnd = createRandom(seed).fork("reports");

  const summary: SimulationSummary = {
    seed,
    agents: options.agents,
    registered: 0,
    failed_registrations: [],
    deregistered: 0,
    heartbeats: 0,
    reports: { success: 0, failure: 0, timeout: 0 },
    skipped_reports: 0,
    rate_limited: 0,
    transitions: { healthy: 0, degraded: 0, unhealthy: 0, silent: 0 },
    states: { healthy: 0, degraded: 0, unhealthy: 0, silent: 0 },
    errors: {},
    elapsed_ms: 0,
    probes: options.probes === false ? "off" : "on",
    card_server: null,
    unreachable: 0,
    cuts: 0,
  };
  const pacer = options.pacer ?? new Pacer();
  const isRateLimited = (err: unknown): err is AgentMeshError => err instanceof AgentMeshError && err.code === "rate_limited";
  /** Waits out a 429 as the server asked (a second when it did not say). */
  const waitOut = (err: AgentMeshError) => {
    summary.rate_limited++;
    return new Promise((r) => setTimeout(r, err.retryAfterMs ?? 1000));
  };
  const countError = (err: unknown) => {
    const code = err instanceof AgentMeshError ? err.code : "unexpected";
    summary.errors[code] = (summary.errors[code] ?? 0) + 1;
  };

  const members: Member[] = fleet(seed, options.agents).map((sim, i) => ({
    sim,
    client: new AgentMeshClient({ url: options.url, registrationToken: options.registrationToken, fetch: options.fetch }),
    rnd: createRandom(seed).fork(`agent-${i}`),
    behaviour: INITIAL_BEHAVIOUR,
    reachRnd: createRandom(seed).fork(`reach-${i}`),
    reach: { reachable: true, ticks: 0 },
    registered: false,
    sleeper: null,
  }));
  for (const [i, m] of members.entries()) {
    m.reach = initialReach(i, m.reachRnd);
    if (!m.reach.reachable) summary.cuts++;
  }
  /** A silent agent is down: it answers nothing. */
  const reachable = (m: Member) => m.reach.reachable && m.behaviour.state !== "silent";
  let cardServer: CardServer | null = null;
  const probeOf = (m: Member): ProbeSpec | null => {
    if (!cardServer || summary.probes !== "on") return null;
    const id = m.sim.card.id;
    return m.sim.card.protocol === "a2a" ? { kind: "a2a", url: cardServer.cardUrl(id), ...SIM_PROBE } : { kind: "http", url: cardServer.healthUrl(id), ...SIM_PROBE };
  };
  let running = true;
  let inFlight = 0;
  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  /**
   * One registration, with the agent's probe while the registry takes them. A
   * registry without probes (or one that may not reach this machine) refuses
   * it with a 400: the card goes again at once without, and so do all the
   * fleet's from then on (at most one extra request per registration already
   * in flight, and no extra pacer turn).
   */
  const registerCard = async (m: Member) => {
    const probe = probeOf(m);
    if (!probe) return m.client.register(m.sim.card);
    try {
      return await m.client.register({ ...m.sim.card, probe } as AgentCard);
    } catch (err) {
      if (!refusesProbe(err)) throw err;
      summary.probes = "refused";
      return m.client.register(m.sim.card);
    }
  };

  /**
   * Registers at the pacer's pace (every registration of the fleet comes from
   * this one address), waiting out 429s for as long as the simulation runs;
   * retries transient errors; replaces a stale agent of the same id with the admin token.
   */
  const register = async (m: Member) => {
    for (let attempt = 0; running; ) {
      const turn = await pacer.turn();
      if (!running) return;
      try {
        await registerCard(m);
        pacer.succeeded(turn);
        m.registered = true;
        summary.registered++;
        return;
      } catch (err) {
        if (isRateLimited(err)) {
          pacer.refused(turn, err.retryAfterMs ?? 1000);
          summary.rate_limited++;
          continue;
        }
        countError(err);
        attempt++;
        if (err instanceof AgentMeshError && err.code === "agent_id_taken" && admin && attempt === 1) {
          await admin.deregister(m.sim.card.id).catch(countError);
          continue;
        }
        // Anything else transient gets two quick retries, so an absent server fails fast.
        if (err instanceof AgentMeshError && err.retryable && attempt <= 2) {
          await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
          continue;
        }
        const e = err instanceof AgentMeshError ? err : new AgentMeshError({ status: 0, code: "unreachable", detail: String(err) });
        summary.failed_registrations.push({ id: m.sim.card.id, code: e.code, detail: e.detail });
        return;
      }
    }
  };

  const setState = (m: Member, next: AgentBehaviour) => {
    if (next.state !== m.behaviour.state) summary.transitions[next.state]++;
    m.behaviour = next;
  };

  /** One agent's life: a heartbeat (or silence) per tick, the next state decided before each. */
  const live = async (m: Member) => {
    let intervalMs = 10_000;
    let offlineAfterMs = 30_000;
    let keepState = true; // the first tick, and a heartbeat sent again after a 429
    while (running) {
      if (!keepState) {
        setState(m, nextBehaviour(m.behaviour, m.sim.persona, m.rnd, Math.ceil(offlineAfterMs / intervalMs)));
        const reach = nextReach(m.reach, m.sim.persona, m.reachRnd);
        if (m.reach.reachable && !reach.reachable) summary.cuts++;
        m.reach = reach;
      }
      keepState = false;
      const b = m.behaviour;
      if (b.state !== "silent") {
        try {
          const res = await m.client.heartbeat({ status: b.state, ...(b.message && b.state !== "healthy" ? { message: b.message } : {}) });
          summary.heartbeats++;
          intervalMs = res.heartbeat_interval_ms;
          offlineAfterMs = res.offline_after_ms;
        } catch (err) {
          if (!running) return;
          if (isRateLimited(err)) {
            await waitOut(err);
            keepState = true;
            continue;
          }
          countError(err);
          // A token the registry no longer knows is a 401 (identity is checked before the id is looked up).
          if (err instanceof AgentMeshError && (err.code === "agent_not_found" || err.code === "unauthorized")) {
            // Removed behind our back (or a new database): come back as a new registration.
            m.client = new AgentMeshClient({ url: options.url, registrationToken: options.registrationToken, fetch: options.fetch });
            m.registered = false;
            await register(m);
            if (!m.registered) return;
          }
        }
      }
      if (!running) return;
      m.sleeper = cancellableSleep(intervalMs);
      await m.sleeper.promise;
      m.sleeper = null;
    }
  };

  /** One invocation report: a random live member about another, with the outcome the target's state makes likely. */
  const report = () => {
    const present = members.filter((m) => m.registered);
    const reporters = present.filter((m) => m.behaviour.state !== "silent");
    if (present.length < 2 || reporters.length === 0) return;
    const reporter = fleetRnd.pick(reporters);
    const targets = present.filter((m) => m !== reporter);
    const target = fleetRnd.pick(targets);
    const result = invoke(target.behaviour.state, target.sim.persona, fleetRnd);
    if (inFlight >= maxInFlight) {
      summary.skipped_reports++;
      return;
    }
    inFlight++;
    void track(
      reporter.client
        .report(target.sim.card.id, { outcome: result.outcome, latency_ms: result.latencyMs })
        .then(
          () => void summary.reports[result.outcome]++,
          (err) => (isRateLimited(err) ? void summary.rate_limited++ : countError(err)),
        )
        .finally(() => inFlight--),
    );
  };

  const TICK_MS = 50;
  let budget = 0;
  let reportTimer: ReturnType<typeof setInterval> | undefined;
  let durationTimer: ReturnType<typeof setTimeout> | undefined;
  let lives: Promise<void>[] = [];

  const ready = (async () => {
    if (summary.probes === "on") {
      cardServer = await startCardServer(members.map((m) => ({ card: m.sim.card, reachable: () => reachable(m) })));
      summary.card_server = cardServer.origin;
    }
    await inBatches(members, REGISTER_CONCURRENCY, register);
    if (summary.registered === 0 && running) {
      const why = summary.failed_registrations[0];
      throw new AgentMeshError({ status: 0, code: (why?.code as never) ?? "unreachable", detail: why ? `no agent could register: ${why.detail}` : "no agent could register" });
    }
    lives = members.filter((m) => m.registered).map((m) => live(m));
    reportTimer = setInterval(() => {
      budget += (rate * TICK_MS) / 1000;
      for (; budget >= 1 && running; budget--) report();
    }, TICK_MS);
  })();
  ready.catch(() => {});

  let stopping: Promise<SimulationSummary> | null = null;
  let resolveDone!: (summary: SimulationSummary) => void;
  const done = new Promise<SimulationSummary>((resolve) => (resolveDone = resolve));
  const stop = () =>
    (stopping ??= (async () => {
      running = false;
      pacer.close();
      clearInterval(reportTimer);
      clearTimeout(durationTimer);
      for (const m of members) m.sleeper?.cancel();
      await ready.catch(() => {});
      await Promise.all(lives);
      await Promise.allSettled([...pending]);
      if (!options.keep) {
        await inBatches(
          members.filter((m) => m.registered),
          REGISTER_CONCURRENCY,
          async (m) => {
            for (let waits = 0; ; waits++) {
              try {
                await m.client.deregister();
                m.registered = false;
                summary.deregistered++;
                return;
              } catch (err) {
                if (isRateLimited(err) && waits < 5) {
                  await waitOut(err);
                  continue;
                }
                countError(err);
                return;
              }
            }
          },
        );
      }
      await cardServer?.close();
      const final = snapshot();
      resolveDone(final);
      return final;
    })());

  const snapshot = (): SimulationSummary => {
    const states: Record<SimState, number> = { healthy: 0, degraded: 0, unhealthy: 0, silent: 0 };
    for (const m of members) if (m.registered) states[m.behaviour.state]++;
    return {
      ...summary,
      states,
      unreachable: members.filter((m) => m.registered && !reachable(m)).length,
      elapsed_ms: Date.now() - started,
      reports: { ...summary.reports },
      transitions: { ...summary.transitions },
      errors: { ...summary.errors },
      failed_registrations: [...summary.failed_registrations],
    };
  };

  if (options.durationMs !== undefined) durationTimer = setTimeout(() => void stop(), options.durationMs);
  ready.catch(() => void stop());

  return {
    ready,
    done,
    get summary() {
      return snapshot();
    },
    stop,
  };
}
