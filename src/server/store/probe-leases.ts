/**
 * Probe state and leases in the database (the `probes` table, migration
 * 0005_probes), written once with Kysely for both stores.
 *
 * Each agent's probe is run by one instance at a time: an instance claims the
 * probes that are due by writing its name and a lease deadline into their
 * rows, and stores each result only while it still holds that lease. On
 * PostgreSQL the claim selects its rows `FOR UPDATE SKIP LOCKED`, so instances
 * claiming at once take disjoint rows and never wait for each other; on SQLite
 * (one process, one writer) the claim is one conditional UPDATE. An instance
 * that dies mid-probe simply stops renewing: once its lease deadline passes,
 * the rows are due for anyone again.
 *
 * The lease is a fencing token: `recordResult` matches the owner AND the lease
 * deadline of the claim, so a result that comes back after the lease expired
 * and was taken again (by another instance or by this one) changes nothing.
 *
 * A state change is stored with the result as `pending_transition` and stays
 * there until `ackTransition`: if the process dies between storing the result
 * and announcing the change, the next claim hands the change back to be
 * announced (the registry's conditional health update makes it count once).
 */
import type { Kysely } from "kysely";
import type { ProbeCounters, ProbeState } from "../domain/probes.js";
import type { ResolvedProbe, TimedProbeResult } from "../../shared/probe.js";
import type { Dialect } from "./migrations.js";

/** Results kept per agent for `GET /agents/{id}/health` (a ring in the row). */
export const PROBE_RESULTS_KEPT = 20;

export interface ProbeTable {
  agent_id: string;
  config: string;
  due_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  state: string;
  consecutive_failures: number;
  consecutive_successes: number;
  failing_since: number | null;
  last_ok_at: number | null;
  last_result: string | null;
  recent: string;
  pending_transition: string | null;
}

export interface ProbeDatabase {
  probes: ProbeTable;
  /** The agents table's probe column: the truth the working rows follow (reconcile). */
  agents: { id: string; probe: string | null };
}

/** A probe result as stored: `at` in epoch ms. */
export type StoredProbeResult = Omit<TimedProbeResult, "at"> & { at: number };

/** A state change waiting to be announced, with the result that caused it. */
export interface PendingTransition {
  from: ProbeState;
  to: ProbeState;
  at: number;
  result: StoredProbeResult;
}

/** One agent's probe row, decoded. */
export interface ProbeRecord {
  agentId: string;
  config: ResolvedProbe;
  dueAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  counters: ProbeCounters;
  lastResult: StoredProbeResult | null;
  /** Oldest first, at most PROBE_RESULTS_KEPT. */
  recent: StoredProbeResult[];
  pendingTransition: PendingTransition | null;
}

/** A claimed probe: the record plus the lease that `recordResult` must present. */
export interface ClaimedProbe extends ProbeRecord {
  leaseOwner: string;
  leaseUntil: number;
}

export interface RecordResult {
  agentId: string;
  owner: string;
  /** The lease deadline the claim returned (the fencing token). */
  leaseUntil: number;
  /** The recent results as claimed (`ClaimedProbe.recent`); the new one is appended, the oldest dropped past PROBE_RESULTS_KEPT. */
  previous: StoredProbeResult[];
  result: StoredProbeResult;
  counters: ProbeCounters;
  /** Set when this result moved the state: kept until acknowledged. */
  transition: PendingTransition | null;
  nextDueAt: number;
}

export interface ProbeLeases {
  /** Creates or replaces an agent's probe (registration, update): due at `dueAt`. A changed target starts from `unknown`, and any lease on the old one is void. */
  upsert(agentId: string, config: ResolvedProbe, dueAt: number): Promise<void>;
  /** Removes an agent's probe (deregistration, `probe: null`). */
  remove(agentId: string): Promise<void>;
  get(agentId: string): Promise<ProbeRecord | null>;
  /** Up to `limit` probes due at `now` and not leased (or whose lease expired), leased to `owner` until `now + leaseMs`, earliest due first. */
  claimDue(owner: string, now: number, limit: number, leaseMs: number): Promise<ClaimedProbe[]>;
  /** Stores a result, advances `due_at` and releases the lease; false (and nothing written) when the lease is no longer held. */
  recordResult(input: RecordResult): Promise<boolean>;
  /** Clears an announced transition (only that one: a newer one stays). */
  ackTransition(agentId: string, transition: PendingTransition): Promise<void>;
  /** Gives back every lease `owner` holds (shutdown), due at once for another instance. */
  releaseAll(owner: string): Promise<number>;
  /**
   * Makes the working rows follow the agents' `probe` column, for changes whose
   * follow-up write was lost (a crash or an outage between the agent's commit
   * and it): removes rows of agents gone or no longer probed, and creates or
   * updates rows whose probe differs (at most `limit`), due at `dueAt(probe)`.
   * Returns the rows it touched.
   */
  reconcile(dueAt: (config: ResolvedProbe) => number, limit?: number): Promise<number>;
}

function decode(row: ProbeTable): ProbeRecord {
  return {
    agentId: row.agent_id,
    config: JSON.parse(row.config) as ResolvedProbe,
    dueAt: Number(row.due_at),
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    counters: {
      state: row.state as ProbeState,
      consecutiveFailures: Number(row.consecutive_failures),
      consecutiveSuccesses: Number(row.consecutive_successes),
      failingSince: row.failing_since === null ? null : Number(row.failing_since),
      lastOkAt: row.last_ok_at === null ? null : Number(row.last_ok_at),
    },
    lastResult: row.last_result === null ? null : (JSON.parse(row.last_result) as StoredProbeResult),
    recent: JSON.parse(row.recent) as StoredProbeResult[],
    pendingTransition: row.pending_transition === null ? null : (JSON.parse(row.pending_transition) as PendingTransition),
  };
}

const fresh = {
  state: "unknown",
  consecutive_failures: 0,
  consecutive_successes: 0,
  failing_since: null,
  last_ok_at: null,
  last_result: null,
  recent: "[]",
  pending_transition: null,
  lease_owner: null,
  lease_until: null,
} as const;

/**
 * @param db the store's own Kysely instance (on SQLite the same connection as the store, so writes never contend)
 * @example
 * const leases = createProbeLeases(db, "postgres");
 * const due = await leases.claimDue("instance-a", Date.now(), 32, 30_000);
 */
export function createProbeLeases(db: Kysely<ProbeDatabase>, dialect: Dialect): ProbeLeases {
  const leases: ProbeLeases = {
    async upsert(agentId, config, dueAt) {
      const json = JSON.stringify(config);
      const existing = await db.selectFrom("probes").select("config").where("agent_id", "=", agentId).executeTakeFirst();
      if (!existing) {
        await db
          .insertInto("probes")
          .values({ agent_id: agentId, config: json, due_at: dueAt, ...fresh })
          .onConflict((oc) => oc.column("agent_id").doUpdateSet({ config: json, due_at: dueAt, ...fresh }))
          .execute();
        return;
      }
      const sameTarget = sameProbeTarget(JSON.parse(existing.config) as ResolvedProbe, config);
      await db
        .updateTable("probes")
        .set(sameTarget ? { config: json, due_at: dueAt, lease_owner: null, lease_until: null } : { config: json, due_at: dueAt, ...fresh })
        .where("agent_id", "=", agentId)
        .execute();
    },

    async remove(agentId) {
      await db.deleteFrom("probes").where("agent_id", "=", agentId).execute();
    },

    async get(agentId) {
      const row = await db.selectFrom("probes").selectAll().where("agent_id", "=", agentId).executeTakeFirst();
      return row ? decode(row) : null;
    },

    async claimDue(owner, now, limit, leaseMs) {
      if (limit <= 0) return [];
      const until = now + leaseMs;
      const rows = await db
        .updateTable("probes")
        .set({ lease_owner: owner, lease_until: until })
        .where("agent_id", "in", (qb) =>
          qb
            .selectFrom("probes")
            .select("agent_id")
            .where("due_at", "<=", now)
            .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
            .orderBy("due_at")
            .limit(limit)
            .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
        )
        .returningAll()
        .execute();
      return rows.map((r) => decode(r) as ClaimedProbe).sort((a, b) => a.dueAt - b.dueAt);
    },

    async recordResult({ agentId, owner, leaseUntil, previous, result, counters, transition, nextDueAt }) {
      // One statement: the lease holder is the only writer of its row, so the ring it claimed is current.
      const recent = [...previous, result].slice(-PROBE_RESULTS_KEPT);
      const updated = await db
        .updateTable("probes")
        .set({
          state: counters.state,
          consecutive_failures: counters.consecutiveFailures,
          consecutive_successes: counters.consecutiveSuccesses,
          failing_since: counters.failingSince,
          last_ok_at: counters.lastOkAt,
          last_result: JSON.stringify(result),
          recent: JSON.stringify(recent),
          due_at: nextDueAt,
          lease_owner: null,
          lease_until: null,
          // A newer change replaces one not yet announced: what is announced is where the state is now.
          ...(transition ? { pending_transition: JSON.stringify(transition) } : {}),
        })
        .where("agent_id", "=", agentId)
        .where("lease_owner", "=", owner)
        .where("lease_until", "=", leaseUntil)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) === 1;
    },

    async ackTransition(agentId, transition) {
      await db
        .updateTable("probes")
        .set({ pending_transition: null })
        .where("agent_id", "=", agentId)
        .where("pending_transition", "=", JSON.stringify(transition))
        .execute();
    },

    async reconcile(dueAt, limit = 1000) {
      const gone = await db
        .deleteFrom("probes")
        .where((eb) => eb.not(eb.exists(eb.selectFrom("agents").select("agents.id").whereRef("agents.id", "=", "probes.agent_id").where("agents.probe", "is not", null))))
        .executeTakeFirst();
      const differing = await db
        .selectFrom("agents")
        .leftJoin("probes", "probes.agent_id", "agents.id")
        .select(["agents.id as id", "agents.probe as probe"])
        .where("agents.probe", "is not", null)
        .where((eb) => eb.or([eb("probes.agent_id", "is", null), eb("probes.config", "<>", eb.ref("agents.probe"))]))
        .limit(limit)
        .execute();
      for (const { id, probe } of differing) {
        const config = JSON.parse(probe!) as ResolvedProbe;
        await leases.upsert(id, config, dueAt(config));
      }
      return Number(gone.numDeletedRows) + differing.length;
    },

    async releaseAll(owner) {
      const r = await db
        .updateTable("probes")
        .set({ lease_owner: null, lease_until: null })
        .where("lease_owner", "=", owner)
        .where("lease_until", "is not", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
  return leases;
}

/** Settings may change without losing the probe's history; a new target starts over. */
export function sameProbeTarget(a: ResolvedProbe, b: ResolvedProbe): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "tcp" && b.kind === "tcp") return a.host === b.host && a.port === b.port;
  return "url" in a && "url" in b && a.url === b.url;
}

/** The same leases with each call run through `around` (by its name): the store guard and error mapping wrap them this way. */
export function wrapLeases(leases: ProbeLeases, around: (name: string, run: () => Promise<unknown>) => unknown): ProbeLeases {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(leases) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = (...args: unknown[]) => around(name, () => method(...args));
  }
  return wrapped as unknown as ProbeLeases;
}
