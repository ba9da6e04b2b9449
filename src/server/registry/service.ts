/**
 * The registry service: the one path every change takes. It reads the agent,
 * decides with the pure rules (domain/), and commits the new state together
 * with its events in one store transaction, conditional on the state it read;
 * on a conflict it reads again and decides again. After a commit it hands the
 * stored events to `onCommit` (the tailer), which is what wakes the streams.
 */
import type { AgentCard, AgentPatch, Heartbeat, HeartbeatResponse, InvocationReport } from "../../shared/agent.js";
import { trustTier } from "../../shared/agent.js";
import type { Config } from "../config.js";
import { lastSign, isPunctual, isSilent, statusAfterHeartbeat } from "../domain/health.js";
import { TRUST_WEIGHTS, applyTrust, decay, decideReport, healthySinceAfterHeartbeat, publishedScore, reporterStanding, shouldPublish, type TrustMove } from "../domain/trust.js";
import { AppError } from "../errors.js";
import type { AgentRow, Commit, CommitResult, NewEvent, Store, StoredEvent } from "../store/store.js";
import { newEvent } from "./snapshot.js";
import { hashToken, newAgentToken, secretEquals, tokenMatches } from "./tokens.js";
import { checkCard, cardChanges, heldCard } from "./card.js";

export interface Clock {
  now(): number;
}

/** Who is calling: the bearer token of the request, if any. */
export interface Caller {
  bearer?: string;
}

export type RegistryConfig = Pick<
  Config,
  "heartbeatIntervalMs" | "offlineAfterMs" | "adminToken" | "registrationToken" | "trustStep" | "trustMaturityMs"
>;

export interface RegistryDeps {
  store: Pick<Store, "getAgent" | "findAgentByTokenHash" | "commit" | "reportCount" | "staleAgents" | "decayCandidates">;
  config: RegistryConfig;
  clock: Clock;
  onCommit: (events: StoredEvent[]) => void;
}

const MAX_ATTEMPTS = 8;

export type Registry = ReturnType<typeof createRegistry>;

export function createRegistry({ store, config, clock, onCommit }: RegistryDeps) {
  const isAdmin = (caller: Caller) => secretEquals(caller.bearer, config.adminToken);

  async function commit(change: Commit): Promise<CommitResult> {
    const result = await store.commit(change);
    if (result.ok && result.events.length) onCommit(result.events);
    return result;
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

  /** Trust bookkeeping shared by every change: publish or not, and what the event and history say. */
  function trustOutcome(row: AgentRow, move: TrustMove, now: number) {
    const publish = move.reason !== "" && shouldPublish(row.trust_score, move.raw, config.trustStep);
    const score = publish ? publishedScore(move.raw) : row.trust_score;
    return { publish, score, raw: move.raw };
  }

  function trustEvent(before: AgentRow, after: AgentRow, reason: string, now: number): { event: NewEvent; history: Commit["trustHistory"] } {
    const tier = trustTier(after.trust_score);
    return {
      event: newEvent("trust_score_changed", after, now, { score: after.trust_score, previous_score: before.trust_score, tier, reason }),
      history: [{ agentId: after.id, at: now, score: after.trust_score, tier, reason }],
    };
  }

  // The reports window is part of every guard: a report bumps no revision, and any write that
  // raced one (another report, a heartbeat's trust move) must re-read instead of overwriting it.
  const guardOf = (row: AgentRow) => ({
    revision: row.revision,
    lastHeartbeatAt: row.last_heartbeat_at,
    reportsWindow: { start: row.reports_window_start, weight: row.reports_window_weight },
  });

  return {
    async register(card: AgentCard, caller: Caller) {
      checkCard(card);
      return serialized(card.id, () => retrying<{ row: AgentRow; token: string | undefined; created: boolean }>(async () => {
        const now = clock.now();
        const existing = await store.getAgent(card.id);
        if (existing) {
          if (!caller.bearer || !(tokenMatches(caller.bearer, existing.token_hash) || isAdmin(caller))) {
            throw new AppError("agent_id_taken", `the id ${JSON.stringify(card.id)} is registered to another agent; re-registering needs that agent's token`);
          }
          const next: AgentRow = { ...existing, ...heldCard(card) };
          const changed = cardChanges(existing, next);
          if (changed.length === 0) return { done: true, value: { row: existing, token: undefined, created: false } };
          Object.assign(next, { revision: existing.revision + 1, updated_at: now });
          const r = await commit({ mutation: { op: "update", row: next, expect: guardOf(existing) }, events: [newEvent("agent_updated", next, now, { changed })] });
          return r.ok ? { done: true, value: { row: next, token: undefined, created: false } } : { done: false };
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
        };
        const r = await commit({
          mutation: { op: "insert", row },
          events: [newEvent("agent_registered", row, now, {})],
          trustHistory: [{ agentId: row.id, at: now, score: row.trust_score, tier: trustTier(row.trust_score), reason: "registered" }],
        });
        if (!r.ok) return { done: false };
        return { done: true, value: { row, token, created: true } };
      }));
    },

    async update(id: string, patch: AgentPatch, caller: Caller) {
      checkCard(patch);
      return serialized(id, () => retrying(async () => {
        const row = await mustGet(id);
        requireOwner(row, caller, true);
        const next: AgentRow = { ...row };
        for (const [key, value] of Object.entries(patch)) {
          if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
        }
        const changed = cardChanges(row, next);
        if (changed.length === 0) return { done: true, value: row };
        const now = clock.now();
        next.revision = row.revision + 1;
        next.updated_at = now;
        const r = await commit({ mutation: { op: "update", row: next, expect: guardOf(row) }, events: [newEvent("agent_updated", next, now, { changed })] });
        return r.ok ? { done: true, value: next } : { done: false };
      }));
    },

    async deregister(id: string, caller: Caller) {
      await serialized(id, () => retrying(async () => {
        const row = await mustGet(id);
        requireOwner(row, caller, true);
        const now = clock.now();
        const r = await commit({
          mutation: { op: "delete", id, expect: guardOf(row) },
          events: [newEvent("agent_deregistered", row, now, { revision: row.revision })],
        });
        return r.ok ? { done: true, value: undefined } : { done: false };
      }));
    },

    async heartbeat(id: string, body: Heartbeat, caller: Caller): Promise<HeartbeatResponse> {
      return serialized(id, () => retrying<HeartbeatResponse>(async () => {
        const row = await mustGet(id);
        requireOwner(row, caller, false);
        const now = clock.now();
        const status = statusAfterHeartbeat(body.status);
        const statusChanged = status !== row.health_status;
        const punctual = isPunctual(row.last_heartbeat_at, row.health_status, now, config.heartbeatIntervalMs);
        const healthySince = healthySinceAfterHeartbeat(row.healthy_since, row.health_status, status, punctual, now);
        let move = applyTrust(row.trust_raw, {
          kind: "heartbeat",
          punctual,
          elapsedMs: row.last_heartbeat_at === null ? undefined : now - row.last_heartbeat_at,
          intervalMs: config.heartbeatIntervalMs,
        });
        if (statusChanged) {
          const hit = applyTrust(move.raw, { kind: "status", status });
          if (hit.reason) move = hit;
        }
        const trust = trustOutcome(row, move, now);
        const response: HeartbeatResponse = {
          agent_id: id,
          health_status: status,
          changed: statusChanged,
          next_heartbeat_at: new Date(now + config.heartbeatIntervalMs).toISOString(),
          heartbeat_interval_ms: config.heartbeatIntervalMs,
          offline_after_ms: config.offlineAfterMs,
        };
        if (!statusChanged && !trust.publish) {
          const r = await commit({
            mutation: {
              op: "touch",
              id,
              lastHeartbeatAt: now,
              trustRaw: trust.raw,
              trustUpdatedAt: now,
              expect: guardOf(row),
              ...(healthySince !== row.healthy_since ? { healthySince } : {}),
            },
            events: [],
          });
          return r.ok ? { done: true, value: response } : { done: false };
        }
        const next: AgentRow = {
          ...row,
          health_status: status,
          health_message: body.message ?? null,
          last_heartbeat_at: now,
          healthy_since: healthySince,
          trust_raw: trust.raw,
          trust_score: trust.score,
          trust_updated_at: now,
          revision: row.revision + 1,
          updated_at: now,
        };
        const change: Commit = { mutation: { op: "update", row: next, expect: guardOf(row) }, events: [] };
        if (statusChanged) {
          const message = body.message ?? null;
          change.events.push(newEvent("agent_health_changed", next, now, { status, previous_status: row.health_status, message }));
          change.healthHistory = [{ agentId: id, at: now, status, previousStatus: row.health_status, message }];
        }
        if (trust.publish) {
          const t = trustEvent(row, next, move.reason, now);
          change.events.push(t.event);
          change.trustHistory = t.history;
        }
        const r = await commit(change);
        return r.ok ? { done: true, value: response } : { done: false };
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
        // A report that weighs nothing (no standing, or the window is used up) is accepted and changes nothing:
        // a flood of them costs the registry a read or two, never a write.
        if (standing === 0) return { done: true, value: { agent_id: subjectId, reporter_id: reporter.id, weight: 0, trust_score: row.trust_score } };
        const previous = await store.reportCount(subjectId, reporter.id);
        const inWindow = previous !== undefined && now - previous.windowStart < TRUST_WEIGHTS.reportWindowMs;
        const prior = inWindow ? previous.count : 0;
        const d = decideReport({
          raw: row.trust_raw,
          outcome: body.outcome,
          latencyMs: body.latency_ms,
          reporterId: reporter.id,
          standing,
          priorReports: prior,
          window: { start: row.reports_window_start, weight: row.reports_window_weight },
          now,
        });
        if (d.weight === 0) return { done: true, value: { agent_id: subjectId, reporter_id: reporter.id, weight: 0, trust_score: row.trust_score } };
        const trust = trustOutcome(row, d.move, now);
        const reportCount = { subjectId, reporterId: reporter.id, windowStart: inWindow ? previous.windowStart : now, count: prior + 1 };
        const value = { agent_id: subjectId, reporter_id: reporter.id, weight: d.weight, trust_score: trust.score };
        if (!trust.publish) {
          const r = await commit({
            mutation: {
              op: "touch",
              id: subjectId,
              lastHeartbeatAt: row.last_heartbeat_at,
              trustRaw: trust.raw,
              trustUpdatedAt: now,
              reportsWindow: d.window,
              expect: guardOf(row),
            },
            events: [],
            reportCount,
          });
          return r.ok ? { done: true, value } : { done: false };
        }
        const next: AgentRow = {
          ...row,
          trust_raw: trust.raw,
          trust_score: trust.score,
          trust_updated_at: now,
          reports_window_start: d.window.start,
          reports_window_weight: d.window.weight,
          revision: row.revision + 1,
          updated_at: now,
        };
        const t = trustEvent(row, next, d.move.reason, now);
        const r = await commit({ mutation: { op: "update", row: next, expect: guardOf(row) }, events: [t.event], trustHistory: t.history, reportCount });
        return r.ok ? { done: true, value } : { done: false };
      }));
    },

    /**
     * Marks silent agents offline. Each transition is a conditional update on the
     * state that was read, so when several sweepers (instances) race, exactly one
     * commits it and announces it; the others see a conflict and move on.
     */
    async sweep(limit = 500): Promise<number> {
      const now = clock.now();
      const stale = await store.staleAgents(now - config.offlineAfterMs, limit);
      let marked = 0;
      for (const row of stale) {
        if (!isSilent(row, now, config.offlineAfterMs)) continue;
        const move = applyTrust(row.trust_raw, { kind: "status", status: "offline" });
        const trust = trustOutcome(row, move, now);
        const next: AgentRow = { ...row, health_status: "offline", health_message: null, healthy_since: null, trust_raw: trust.raw, trust_score: trust.score, trust_updated_at: now, revision: row.revision + 1, updated_at: now };
        const silentFor = Math.round((now - lastSign(row)) / 1000);
        const message = `no heartbeat for ${silentFor}s`;
        const change: Commit = {
          mutation: { op: "update", row: next, expect: guardOf(row) },
          events: [newEvent("agent_health_changed", next, now, { status: "offline", previous_status: row.health_status, message })],
          healthHistory: [{ agentId: row.id, at: now, status: "offline", previousStatus: row.health_status, message }],
        };
        if (trust.publish) {
          const t = trustEvent(row, next, move.reason, now);
          change.events.push(t.event);
          change.trustHistory = t.history;
        }
        if ((await commit(change)).ok) marked++;
      }
      return marked;
    },

    /** Moves the trust of idle agents toward 0.5; publishes like any other trust move. */
    async decayIdle(limit = 200): Promise<number> {
      const now = clock.now();
      const candidates = await store.decayCandidates(now - TRUST_WEIGHTS.decayIdleMs, 0.0005, limit);
      let published = 0;
      for (const row of candidates) {
        const move = { raw: decay(row.trust_raw, now - row.trust_updated_at), reason: "no activity: decay toward 0.5" };
        const trust = trustOutcome(row, move, now);
        if (!trust.publish) {
          await commit({ mutation: { op: "touch", id: row.id, lastHeartbeatAt: row.last_heartbeat_at, trustRaw: trust.raw, trustUpdatedAt: now, expect: guardOf(row) }, events: [] });
          continue;
        }
        const next: AgentRow = { ...row, trust_raw: trust.raw, trust_score: trust.score, trust_updated_at: now, revision: row.revision + 1, updated_at: now };
        const t = trustEvent(row, next, move.reason, now);
        if ((await commit({ mutation: { op: "update", row: next, expect: guardOf(row) }, events: [t.event], trustHistory: t.history })).ok) published++;
      }
      return published;
    },
  };
}
