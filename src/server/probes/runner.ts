/**
 * The probe runner: every tick it claims the probes that are due (a lease in
 * the database, so each agent is probed by one instance at a time), runs them
 * through the guarded fetcher within a global cap on probes in flight and a
 * per-host cap, folds each result into the damped probe state (domain/probes.ts)
 * and stores it under its lease. When the state moves, it hands the change to
 * `onTransition`, which commits the health change and its event through the
 * registry; a change is acknowledged only after that returns, and re-offered
 * by the next claim otherwise (so a crash between the two loses nothing).
 *
 * Lifecycle: `start()` schedules ticks; `stop()` stops claiming, aborts the
 * probes in flight (their results are dropped, not counted as failures),
 * waits for them and gives this instance's leases back at once.
 */
import { applyProbeResult } from "../domain/probes.js";
import type { GuardedFetcher } from "../fetch/types.js";
import type { ProbeLeases, ClaimedProbe, PendingTransition } from "../store/probe-leases.js";
import type { ProbeCounters, ProbeState } from "../domain/probes.js";
import type { ProbeResult } from "../../shared/probe.js";
import { a2aCardCheck, runProbe, type CardCheck } from "./check.js";
import { probeHost } from "./resolve.js";
import { firstDueAt, nextDueAt, secondDueAt } from "./schedule.js";

/** A change of an agent's probe state, as `onTransition` receives it. */
export interface ProbeTransition {
  from: ProbeState;
  to: ProbeState;
  /** When the result that moved it was taken (epoch ms). */
  at: number;
  /** The probe state after the change: `failingSince` and `lastOkAt` feed combineHealth. */
  counters: ProbeCounters;
  /** The result that moved it: the health event's `probe` field. */
  probe: ProbeResult;
}

export interface ProbeRunnerOptions {
  leases: ProbeLeases;
  fetcher: GuardedFetcher;
  /**
   * Commits the health change for this transition with its event (`source: "probe"`).
   * Called once per transition on the instance that recorded it; a throw leaves it
   * pending, and it is offered again after the agent's next claim. It may therefore
   * run more than once for one transition: the registry's conditional health update
   * must make the repeat change nothing.
   */
  onTransition: (agentId: string, transition: ProbeTransition) => Promise<void>;
  clock: { now(): number };
  /** `--probe-concurrency` and `--probe-per-host`. */
  concurrency: number;
  perHost: number;
  /** This instance's name in the lease column: unique per process (e.g. host:pid:random). */
  owner: string;
  onError: (err: unknown) => void;
  /** How often due probes are claimed (default 250 ms). */
  tickMs?: number;
  /** How long a claim is held: longer than the longest timeout plus the wait for a free slot (default 2 min). */
  leaseMs?: number;
  /** Checks a fetched A2A card; default the A2A parser's (a2aCardCheck). */
  checkCard?: CardCheck;
  random?: () => number;
  /**
   * Availability feeds trust: after every run of successes worth about five
   * minutes (CREDIT_PERIOD_MS), `onCredit(agentId, periodMs)` (registry
   * `probeCredit`). Optional; its failures are reported, never retried.
   */
  onCredit?: (agentId: string, periodMs: number) => Promise<unknown>;
  /** How often the working rows are reconciled with the agents' probes (default 60 s; Infinity: never; ProbeLeases.reconcile). */
  reconcileMs?: number;
}

/** The pause between claims while a backlog lasts. */
const FULL_TICK_MS = 10;

/** The stretch of passing probes credited to trust at once. */
export const CREDIT_PERIOD_MS = 5 * 60_000;

/** Credit every this many successes in a row (at least 1), so one credit covers about CREDIT_PERIOD_MS. */
export const creditEvery = (intervalMs: number) => Math.max(1, Math.round(CREDIT_PERIOD_MS / intervalMs));

export interface ProbeRunnerStats {
  running: number;
  queued: number;
}

export class ProbeRunner {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly queues = new Map<string, ClaimedProbe[]>();
  private readonly perHostRunning = new Map<string, number>();
  private readonly jobs = new Set<Promise<void>>();
  private queued = 0;
  private readonly tickMs: number;
  private readonly leaseMs: number;
  private readonly checkCard: CardCheck;
  private readonly random: () => number;
  private readonly reconcileMs: number;
  private lastReconcile = -Infinity;
  /** The last claim took all it had room for: more is probably due. */
  private backlog = false;
  /** The claim rounds, one after another (tick). */
  private rounds: Promise<void> = Promise.resolve();

  constructor(private readonly o: ProbeRunnerOptions) {
    this.tickMs = o.tickMs ?? 250;
    this.leaseMs = o.leaseMs ?? 120_000;
    this.checkCard = o.checkCard ?? a2aCardCheck;
    this.reconcileMs = o.reconcileMs ?? 60_000;
    this.random = o.random ?? Math.random;
  }

  start(): void {
    if (this.stopped || this.timer) return;
    const loop = () => {
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        // A claim that filled the room means more is due: claim again as soon as room frees up, rather
        // than a tick later (which capped the rate at one room per tick: 256 probes/s at 64 per 250 ms).
        if (!this.stopped) this.timer = setTimeout(loop, this.backlog ? FULL_TICK_MS : this.tickMs).unref();
      });
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  /**
   * One claim round: takes as many due probes as there is room for, and starts
   * what the caps allow. Rounds run one at a time: a call while one is under
   * way (the runner's own timer) runs after it.
   */
  tick(): Promise<void> {
    const round = this.rounds.then(() => this.claimRound());
    this.rounds = round.catch(() => undefined);
    return round;
  }

  private async claimRound(): Promise<void> {
    if (this.stopped) return;
    const now = this.o.clock.now();
    if (Number.isFinite(this.reconcileMs) && now - this.lastReconcile >= this.reconcileMs) {
      this.lastReconcile = now;
      await this.reconcile();
    }
    // Room for one batch beyond the probes in flight, so a freed slot never waits for the next claim.
    const room = 2 * this.o.concurrency - this.jobs.size - this.queued;
    if (room <= 0) return;
    try {
      const claimed = await this.o.leases.claimDue(this.o.owner, this.o.clock.now(), room, this.leaseMs);
      this.backlog = claimed.length === room;
      for (const c of claimed) this.enqueue(c);
      this.pump();
    } catch (err) {
      this.o.onError(err);
    }
  }

  /** Makes the working rows follow the agents' probes (ProbeLeases.reconcile); new rows are due within seconds. */
  async reconcile(): Promise<number> {
    try {
      return await this.o.leases.reconcile((config) => firstDueAt(this.o.clock.now(), config.interval_ms, this.random));
    } catch (err) {
      this.o.onError(err);
      return 0;
    }
  }

  /**
   * Runs what is due now to the end: claims (after a round of the runner's own
   * timer that is under way, whose claims are then running) and waits for every
   * probe and announcement. For tests on a manual clock, and for tools.
   */
  async runDue(): Promise<void> {
    await this.tick();
    await this.idle();
  }

  /** Resolves when no probe is running or waiting (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs]);
  }

  stats(): ProbeRunnerStats {
    return { running: this.jobs.size, queued: this.queued };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    this.queues.clear();
    this.queued = 0;
    this.abort.abort();
    await this.idle();
    try {
      await this.o.leases.releaseAll(this.o.owner);
    } catch (err) {
      this.o.onError(err);
    }
  }

  private enqueue(c: ClaimedProbe): void {
    const host = probeHost(c.config);
    const q = this.queues.get(host);
    if (q) q.push(c);
    else this.queues.set(host, [c]);
    this.queued++;
  }

  /** Starts queued probes while the global cap and each host's cap allow. */
  private pump(): void {
    for (const [host, q] of this.queues) {
      while (q.length > 0 && this.jobs.size < this.o.concurrency && (this.perHostRunning.get(host) ?? 0) < this.o.perHost) {
        const claim = q.shift()!;
        this.queued--;
        this.perHostRunning.set(host, (this.perHostRunning.get(host) ?? 0) + 1);
        const job = this.run(claim).finally(() => {
          this.jobs.delete(job);
          const left = (this.perHostRunning.get(host) ?? 1) - 1;
          if (left === 0) this.perHostRunning.delete(host);
          else this.perHostRunning.set(host, left);
          this.pump();
        });
        this.jobs.add(job);
      }
      if (q.length === 0) this.queues.delete(host);
    }
  }

  private async run(claim: ClaimedProbe): Promise<void> {
    const { leases, clock, onError } = this.o;
    try {
      if (claim.pendingTransition) await this.announce(claim.agentId, claim.pendingTransition, claim.counters).catch(onError);
      // A probe that waited for a slot so long that its lease would end first is left to the next claim.
      if (clock.now() + claim.config.timeout_ms >= claim.leaseUntil) return;
      const result = await runProbe(claim.config, this.o.fetcher, this.checkCard, this.abort.signal);
      if (this.stopped) return; // aborted by stop(): not a verdict on the target
      const now = clock.now();
      const { next, change } = applyProbeResult(claim.counters, result.ok, now, claim.config);
      const transition: PendingTransition | null = change ? { ...change, at: now, result: { ...result, at: now } } : null;
      const recorded = await leases.recordResult({
        agentId: claim.agentId,
        owner: claim.leaseOwner,
        leaseUntil: claim.leaseUntil,
        previous: claim.recent,
        result: { ...result, at: now },
        counters: next,
        transition,
        // The first result of this target (none recorded yet): from here on the probe has a phase of its own.
        nextDueAt:
          claim.lastResult === null ? secondDueAt(now, claim.config.interval_ms, this.random) : nextDueAt(claim.dueAt, now, claim.config.interval_ms, this.random),
      });
      if (recorded && transition) await this.announce(claim.agentId, transition, next);
      const every = creditEvery(claim.config.interval_ms);
      if (recorded && result.ok && this.o.onCredit && next.consecutiveSuccesses % every === 0) {
        await this.o.onCredit(claim.agentId, every * claim.config.interval_ms).catch(onError);
      }
    } catch (err) {
      onError(err);
    }
  }

  private async announce(agentId: string, t: PendingTransition, counters: ProbeCounters): Promise<void> {
    const { at, ...probe } = t.result;
    await this.o.onTransition(agentId, { from: t.from, to: t.to, at: t.at, counters, probe });
    await this.o.leases.ackTransition(agentId, t);
  }
}
