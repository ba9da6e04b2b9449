/**
 * The registry service: the one path every change takes. It reads the agent,
 * decides with the pure rules (decide.ts, over domain/), and commits the
 * change together with its events in one store transaction, conditional on
 * the state it read; on a conflict it reads again and decides again. After a
 * commit it hands the stored events to `onCommit` (the tailer), which is what
 * wakes the streams.
 */
import type { AgentCard, AgentPatch, Heartbeat, HeartbeatResponse, InvocationReport } from "../../shared/agent.js";
import type { Config } from "../config.js";
import { TRUST_WEIGHTS, reporterStanding } from "../domain/trust.js";
import { AppError } from "../errors.js";
import type { AgentRow, Store, StoredEvent } from "../store/store.js";
import { checkCard, heldCard } from "./card.js";
import {
  DECAY_MIN_DISTANCE,
  decideCardUpdate,
  decideDecay,
  decideDeregistration,
  decideHeartbeat,
  decideProbeCredit,
  decideProbeTransition,
  decideReap,
  decideRegistration,
  decideReport,
  decideSweep,
  type Change,
  type ProbeTransition,
} from "./decide.js";
import { decideCardRefresh, decidePublishedCard, decideRefreshClaim, type PublishedCardFields, type RefreshOutcome } from "./decide-card.js";
import { hashToken, newAgentToken, secretEquals, tokenMatches } from "./tokens.js";
import { NO_PROBE, NO_PUBLISHED_CARD } from "../store/columns.js";
import { sameProbeTarget } from "../store/probe-leases.js";
import { probeFollowingEndpoint } from "../probes/resolve.js";
import type { ResolvedProbe } from "../../shared/probe.js";

export interface Clock {
  now(): number;
}

/** Who is calling: the bearer token of the request, if any. */
export interface Caller {
  bearer?: string;
}

export type RegistryConfig = Pick<
  Config,
  "heartbeatIntervalMs" | "offlineAfterMs" | "adminToken" | "registrationToken" | "trustStep" | "trustMaturityMs" | "deregisterAfterMs" | "cardRefreshMs"
>;

export interface RegistryDeps {
  store: Pick<Store, "getAgent" | "findAgentByTokenHash" | "commit" | "reportCount" | "staleAgents" | "decayCandidates" | "reapCandidates">;
  config: RegistryConfig;
  clock: Clock;
  onCommit: (events: StoredEvent[]) => void;
  /**
   * Called after a commit that gave an agent a probe, changed it or took it
   * away (null), deregistration included: the probe runner's working row
   * follows (store/probe-leases.ts). A failure here is repaired by the
   * runner's reconciliation with the agents table, so it is only reported.
   */
  onProbeChange?: (agentId: string, probe: ResolvedProbe | null) => Promise<void>;
  onError?: (err: unknown) => void;
}

/**
 * The agent with `probe` as its probe: a new target (or none) starts from
 * `unknown`; new settings for the same target keep its state. Its health is
 * left as it is until the next heartbeat, probe result or sweep.
 */
export function withProbe(row: AgentRow, probe: ResolvedProbe | null): AgentRow {
  if (probe === null) return { ...row, ...NO_PROBE };
  if (row.probe !== null && sameProbeTarget(row.probe, probe)) return { ...row, probe };
  return { ...row, ...NO_PROBE, probe, probe_state: "unknown" };
}

/**
 * The agent after a change of card: with `probe` when one was given (null:
 * none), else with its probe, whose derived `a2a` URL follows a moved endpoint.
 */
function probeUpdated(before: AgentRow, next: AgentRow, probe: ResolvedProbe | null | undefined): AgentRow {
  if (probe !== undefined) return withProbe(next, probe);
  const moved = probeFollowingEndpoint(before.probe, before, next);
  return moved ? withProbe(next, moved) : next;
}

const MAX_ATTEMPTS = 8;

export type Registry = ReturnType<typeof createRegistry>;

export function createRegistry({ store, config, clock, onCommit, onProbeChange, onError }: RegistryDeps) {
  const isAdmin = (caller: Caller) => secretEquals(caller.bearer, config.adminToken);

  /** The one place changes are committed; false when the state read has changed since (decide again). */
  async function apply(change: Change): Promise<boolean> {
    const result = await store.commit(change.commit);
    if (result.ok && result.events.length) onCommit(result.events);
    if (result.ok && onProbeChange) {
      const m = change.commit.mutation;
      let probe: ResolvedProbe | null | undefined;
      if (m.op === "delete") probe = change.next.probe === null ? undefined : null;
      else if (m.op === "insert") probe = m.row.probe ?? undefined;
      else if (m.op === "update" && change.probeChanged) probe = m.row.probe;
      if (probe !== undefined) await onProbeChange(change.next.id, probe).catch((err: unknown) => onError?.(err));
    }
    return result.ok;
  }

  /** Runs read → decide → conditional commit until it commits without a conflict. */
  async function retrying<T>(attempt: () => Promise<{ done: true; value: T } | { done: false; value?: undefined }>): Promise<T> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const r = await attempt();
      if (r.done) return r.value;
    }
    throw new AppError("conflict", "the agent kept changing while this request was applied; retry");
  }

  /**
   * Changes to one agent made through this process run one at a time: requests
   * for the same agent queue here instead of racing to a conflict and retrying
   * (with PostgreSQL, where the read and the commit are round trips apart,
   * racing writers would mostly retry). Writers in other processes are still
   * kept apart by the conditional commit.
   */
  const queues = new Map<string, Promise<unknown>>();
  function serialized<T>(id: string, run: () => Promise<T>): Promise<T> {
    const result = (queues.get(id) ?? Promise.resolve()).then(run);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    queues.set(id, settled);
    void settled.then(() => {
      if (queues.get(id) === settled) queues.delete(id);
    });
    return result;
  }

  async function mustGet(id: string): Promise<AgentRow> {
    const row = await store.getAgent(id);
    if (!row) throw new AppError("agent_not_found", `no agent with id ${JSON.stringify(id)}`);
    return row;
  }

  function requireOwner(row: AgentRow, caller: Caller, allowAdmin: boolean) {
    if (!caller.bearer) {
      throw new AppError("unauthorized", `this call needs agent ${row.id}'s token: Authorization: Bearer <agent_token>`);
    }
    if (tokenMatches(caller.bearer, row.token_hash)) return;
    if (allowAdmin && isAdmin(caller)) return;
    throw new AppError("forbidden", `the token presented is not agent ${row.id}'s${allowAdmin ? " nor the admin token" : ""}`);
  }

  /**
   * A change the registry makes on its own to one agent (a probe's verdict, a
   * card refresh): read, decide, commit guarded, again on a conflict. True
   * when it committed; false when the agent is gone or nothing was to change.
   */
  function decideAndApply(id: string, decide: (row: AgentRow, now: number) => Change | null): Promise<boolean> {
    return serialized(id, () => retrying<boolean>(async () => {
      const row = await store.getAgent(id);
      const change = row && decide(row, clock.now());
      if (!change) return { done: true, value: false };
      return (await apply(change)) ? { done: true, value: true } : { done: false };
    }));
  }

  /** Background passes: decides on each candidate and commits; counts the commits that won (and `counts`). */
  async function applyEach<T>(candidates: T[], decide: (candidate: T) => Change | null, counts: (change: Change) => boolean = () => true): Promise<number> {
    let n = 0;
    for (const candidate of candidates) {
      const change = decide(candidate);
      if (change && (await apply(change)) && counts(change)) n++;
    }
    return n;
  }

  return {
    /**
     * Registers (or, with the agent's token, re-registers) a card. `published`:
     * the A2A card it was mapped from, kept beside it (registry/card-source.ts);
     * without it, a native card, which drops any card held from before.
     */
    async register(card: AgentCard, caller: Caller, published: PublishedCardFields = NO_PUBLISHED_CARD, probe?: ResolvedProbe | null) {
      checkCard(card);
      return serialized(card.id, () => retrying<{ row: AgentRow; token: string | undefined; created: boolean }>(async () => {
        const now = clock.now();
        const existing = await store.getAgent(card.id);
        if (existing) {
          if (!caller.bearer || !(tokenMatches(caller.bearer, existing.token_hash) || isAdmin(caller))) {
            throw new AppError("agent_id_taken", `the id ${JSON.stringify(card.id)} is registered to another agent; re-registering needs that agent's token`);
          }
          // Without `probe`, a re-registration keeps the probe the agent has (following a moved endpoint).
          const next: AgentRow = probeUpdated(existing, { ...existing, ...heldCard(card), ...published }, probe);
          const change = decidePublishedCard(existing, next, now);
          if (!change) return { done: true, value: { row: existing, token: undefined, created: false } };
          return (await apply(change)) ? { done: true, value: { row: change.next, token: undefined, created: false } } : { done: false };
        }
        if (config.registrationToken && !(secretEquals(caller.bearer, config.registrationToken) || isAdmin(caller))) {
          throw new AppError(
            caller.bearer ? "forbidden" : "unauthorized",
            "this registry requires a registration token for new agents: Authorization: Bearer <registration token>",
          );
        }
        const token = newAgentToken();
        const row: AgentRow = {
          id: card.id,
          ...heldCard(card),
          health_status: "unknown",
          health_message: null,
          last_heartbeat_at: null,
          trust_score: TRUST_WEIGHTS.initial,
          trust_raw: TRUST_WEIGHTS.initial,
          trust_updated_at: now,
          revision: 1,
          created_at: now,
          updated_at: now,
          token_hash: hashToken(token),
          healthy_since: null,
          reports_window_start: 0,
          reports_window_weight: 0,
          ...published,
          ...NO_PROBE,
          ...(probe ? { probe, probe_state: "unknown" as const } : {}),
          reported_status: null,
          health_reason: "registered, no heartbeat or probe result yet",
        };
        if (!(await apply(decideRegistration(row, now)))) return { done: false };
        return { done: true, value: { row, token, created: true } };
      }));
    },

    /** A PATCH: the card fields it names, and `probe` when given (a resolved probe, or null to stop probing). */
    async update(id: string, patch: AgentPatch, caller: Caller, probe?: ResolvedProbe | null) {
      checkCard(patch);
      return serialized(id, () => retrying(async () => {
        const row = await mustGet(id);
        requireOwner(row, caller, true);
        let next: AgentRow = { ...row };
        for (const [key, value] of Object.entries(patch)) {
          if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
        }
        next = probeUpdated(row, next, probe);
        const change = decideCardUpdate(row, next, clock.now());
        if (!change) return { done: true, value: row };
        return (await apply(change)) ? { done: true, value: change.next } : { done: false };
      }));
    },

    async deregister(id: string, caller: Caller) {
      await serialized(id, () => retrying(async () => {
        const row = await mustGet(id);
        requireOwner(row, caller, true);
        return (await apply(decideDeregistration(row, "deregistered", clock.now()))) ? { done: true, value: undefined } : { done: false };
      }));
    },

    async heartbeat(id: string, body: Heartbeat, caller: Caller): Promise<HeartbeatResponse> {
      return serialized(id, () => retrying<HeartbeatResponse>(async () => {
        const row = await mustGet(id);
        requireOwner(row, caller, false);
        const now = clock.now();
        const change = decideHeartbeat(row, body, now, config);
        if (!(await apply(change))) return { done: false };
        return {
          done: true,
          value: {
            agent_id: id,
            health_status: change.next.health_status,
            changed: change.next.health_status !== row.health_status,
            next_heartbeat_at: new Date(now + config.heartbeatIntervalMs).toISOString(),
            heartbeat_interval_ms: config.heartbeatIntervalMs,
            offline_after_ms: config.offlineAfterMs,
          },
        };
      }));
    },

    async report(subjectId: string, body: InvocationReport, caller: Caller) {
      if (!caller.bearer) {
        throw new AppError("unauthorized", "a report must carry the reporting agent's token: Authorization: Bearer <agent_token>");
      }
      const reporter = await store.findAgentByTokenHash(hashToken(caller.bearer));
      if (!reporter) throw new AppError("forbidden", "the token presented belongs to no registered agent; only registered agents can report");
      if (reporter.id === subjectId) throw new AppError("self_report", "an agent cannot report on itself; self-reports do not count toward trust");
      return serialized(subjectId, () => retrying(async () => {
        const row = await mustGet(subjectId);
        const now = clock.now();
        const standing = reporterStanding(reporter, now, config.trustMaturityMs);
        // A report without standing is accepted and changes nothing: a flood of them costs the
        // registry a read or two, never a write (nor the read of the reporter's count).
        const previous = standing > 0 ? await store.reportCount(subjectId, reporter.id) : undefined;
        const change = decideReport(row, { outcome: body.outcome, latencyMs: body.latency_ms, reporterId: reporter.id, standing, previous }, now, config);
        const value = { agent_id: subjectId, reporter_id: reporter.id, weight: change?.weight ?? 0, trust_score: change?.next.trust_score ?? row.trust_score };
        if (!change) return { done: true, value };
        return (await apply(change)) ? { done: true, value } : { done: false };
      }));
    },

    /**
     * Commits a change of an agent's probe state (decide.ts
     * `decideProbeTransition`): its health recombined, announced once; false
     * when the agent is gone, has no probe or already has that state. Guarded
     * like every change: a heartbeat that lands first makes it decide again.
     */
    async probeTransition(id: string, transition: ProbeTransition): Promise<boolean> {
      return decideAndApply(id, (row, now) => decideProbeTransition(row, transition, now, config));
    },

    /** Trust earned by `periodMs` of passing probes (decide.ts `decideProbeCredit`); false when nothing was earned. */
    async probeCredit(id: string, periodMs: number): Promise<boolean> {
      return decideAndApply(id, (row, now) => decideProbeCredit(row, periodMs, now, config));
    },

    /**
     * Claims the card refresh of an agent that is due, by moving its time a
     * lease ahead, conditional on the time read (decide-card.ts): with several
     * instances one claim wins and only it fetches. Answers the claimed agent,
     * or null when it was not due or another claim won.
     */
    async claimCardRefresh(id: string): Promise<AgentRow | null> {
      return serialized(id, async () => {
        const row = await store.getAgent(id);
        const change = row && decideRefreshClaim(row, clock.now());
        return change && (await apply(change)) ? change.next : null;
      });
    },

    /** Stores what a claimed refresh found (`claimedUntil`: the claimed row's card_refresh_at); false when the claim was lost or the agent is gone. */
    async finishCardRefresh(id: string, claimedUntil: number, outcome: RefreshOutcome): Promise<boolean> {
      return decideAndApply(id, (row, now) => decideCardRefresh(row, claimedUntil, outcome, now, config));
    },

    /**
     * Marks silent agents offline. Each transition is a conditional update on the
     * state that was read, so when several sweepers (instances) race, exactly one
     * commits it and announces it; the others see a conflict and move on.
     */
    async sweep(limit = 500): Promise<number> {
      const now = clock.now();
      return applyEach(await store.staleAgents(now - config.offlineAfterMs, limit), (row) => decideSweep(row, now, config));
    },

    /** Moves the trust of idle agents toward 0.5; publishes like any other trust move. Returns the moves published. */
    async decayIdle(limit = 200): Promise<number> {
      const now = clock.now();
      const candidates = await store.decayCandidates(now - TRUST_WEIGHTS.decayIdleMs, DECAY_MIN_DISTANCE, limit);
      return applyEach(candidates, (row) => decideDecay(row, now, config), (change) => change.commit.events.length > 0);
    },

    /**
     * Deregisters agents offline for `--deregister-after` (off when 0). Each is
     * a delete guarded by the state read, so with several instances reaping at
     * once each agent is removed, and announced, exactly once.
     */
    async reap(limit = 500): Promise<number> {
      if (config.deregisterAfterMs <= 0) return 0;
      const now = clock.now();
      const offline = await store.reapCandidates(now - config.deregisterAfterMs, limit);
      return applyEach(offline, ({ row, offlineSince }) => decideReap(row, offlineSince, now, config));
    },
  };
}
