/**
 * The store: one interface, two implementations (SQLite, PostgreSQL), one
 * contract suite (`contract.ts`) run against both.
 *
 * Every change goes through `commit()`: the agent's new state and the events it
 * causes are written in ONE transaction, so an event exists if and only if its
 * change committed. Updates are conditional on the state the caller read (its
 * `revision` and `last_heartbeat_at`): two writers racing on one agent (two
 * sweepers on two instances, a heartbeat and a PATCH) cannot both win, and the
 * loser re-reads and decides again. Event ids are assigned by the store, strictly
 * increasing and gapless in commit order.
 */
import type { CardHeld, HealthStatus, ListSort, TrustTier } from "../../shared/agent.js";
import type { Selector } from "../../shared/selector.js";
import type { RegistryFields } from "./columns.js";
import type { ProbeLeases } from "./probe-leases.js";
import type { EventType, HealthSource, ProbeResult } from "../../shared/events.js";

/**
 * An agent as stored: its id, its card (CARD_FIELDS) and the registry's own
 * fields (REGISTRY_FIELDS in columns.ts), both derived from their schemas.
 * Times are epoch milliseconds.
 */
export interface AgentRow extends CardHeld, RegistryFields {
  id: string;
}

/** An offline agent and when it went offline (epoch ms). */
export interface OfflineAgent {
  row: AgentRow;
  offlineSince: number;
}

export interface NewEvent {
  type: EventType;
  agentId: string;
  /** The event's JSON, serialised once; it becomes the SSE `data:` line unchanged. */
  payload: string;
  at: number;
  /**
   * The prior record (events/prior.ts) as JSON: the selector fields of the
   * agent before the commit that differ from the event's snapshot, so a
   * standing query can classify the event from the log alone. Null for a
   * registration, and for events written before migration 0008.
   */
  prior?: string | null;
}

export interface StoredEvent extends NewEvent {
  id: number;
}

export interface TrustHistoryRow {
  agentId: string;
  at: number;
  score: number;
  tier: TrustTier;
  reason: string;
}

export interface HealthHistoryRow {
  agentId: string;
  at: number;
  status: HealthStatus;
  previousStatus: HealthStatus;
  message: string | null;
  /** What caused it (absent on points written before migration 0009). */
  source?: HealthSource;
  /** For `source: "probe"`: the result that completed the run. */
  probe?: ProbeResult;
}

/** What an update or delete expects to find; it fails with `conflict` otherwise. */
export interface Guard {
  revision: number;
  lastHeartbeatAt: number | null;
  /**
   * The reports window as read, when given: a report (which bumps no revision)
   * then conflicts with any other report committed since, so the window's cap
   * holds across instances.
   */
  reportsWindow?: { start: number; weight: number };
  /**
   * The card refresher's schedule as read, when given: claiming a refresh and
   * storing its outcome bump no revision, so a write that raced one re-reads
   * instead of writing the old schedule back (registry/decide.ts guardOf).
   */
  cardRefreshAt?: number | null;
}

export type Mutation =
  | { op: "insert"; row: AgentRow }
  | { op: "update"; row: AgentRow; expect: Guard }
  | { op: "delete"; id: string; expect: Guard }
  /** Liveness only: no revision bump (a heartbeat that changes nothing public). */
  | {
      op: "touch";
      id: string;
      lastHeartbeatAt: number | null;
      trustRaw: number;
      trustUpdatedAt: number;
      expect: Guard;
      /** Also set when given (undefined: unchanged). */
      healthySince?: number | null;
      reportsWindow?: { start: number; weight: number };
    };

export interface ReportCount {
  subjectId: string;
  reporterId: string;
  windowStart: number;
  count: number;
}

export interface Commit {
  mutation: Mutation;
  events: NewEvent[];
  trustHistory?: TrustHistoryRow[];
  healthHistory?: HealthHistoryRow[];
  reportCount?: ReportCount;
}

export type CommitResult =
  | { ok: true; events: StoredEvent[] }
  /** `exists`: insert of an id already held; `conflict`: the guard did not match (or the agent is gone). */
  | { ok: false; reason: "exists" | "conflict" };

export interface ListOptions {
  /** Which agents (absent or empty: all). */
  selector?: Selector;
  sort: ListSort;
  order: "asc" | "desc";
  limit: number;
  offset: number;
  /** Keyset paging: start strictly after this row in the list's order (sort column, then id); `offset` is then ignored. */
  after?: { key: number | string; id: string };
}

export interface ListResult {
  rows: AgentRow[];
  total: number;
  /** Id of the last event committed when the rows were read (same snapshot). */
  cursor: number;
}

export interface EventFilter {
  types?: readonly EventType[];
  agentIds?: readonly string[];
}

export interface EventBounds {
  /** Oldest event still in the log, or null when the log is empty. */
  oldest: number | null;
  /** Last event id ever assigned (0 when none). */
  last: number;
}

export interface AgentCounts {
  total: number;
  byHealth: Record<HealthStatus, number>;
  byTier: Record<TrustTier, number>;
}

/** A dashboard session. `idHash` is a keyed hash of the session id; the id itself is never stored. */
export interface SessionRow {
  idHash: string;
  createdAt: number;
  expiresAt: number;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Runs pending migrations (safe when several instances start at once). */
  migrate(): Promise<void>;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * A small write that leaves nothing behind, for a store whose reads can
   * still work while writes fail (SQLite on a full disk): while an outage
   * lasts, readiness asks this instead of `ping()` (see guarded.ts). Optional.
   */
  probe?(): Promise<void>;
  close(): Promise<void>;

  getAgent(id: string): Promise<AgentRow | undefined>;
  /** The agent whose token hashes to `hash` (who is reporting). */
  findAgentByTokenHash(hash: string): Promise<AgentRow | undefined>;
  listAgents(options: ListOptions): Promise<ListResult>;
  countAgents(): Promise<AgentCounts>;
  /** Agents not offline whose last heartbeat (or registration) is at or before `cutoff`. */
  staleAgents(cutoff: number, limit: number): Promise<AgentRow[]>;
  /** Agents whose trust could decay: last trust activity before `before`, published score away from 0.5. */
  decayCandidates(before: number, minDistance: number, limit: number): Promise<AgentRow[]>;
  /**
   * Offline agents whose offline transition (their latest health history row)
   * was committed at or before `offlineBefore`, longest offline first, with
   * that time: the reaper's candidates (reap-query.ts).
   */
  reapCandidates(offlineBefore: number, limit: number): Promise<OfflineAgent[]>;
  /** URL-registered agents whose card is due for a refresh (`card_refresh_at` at or before `now`), most overdue first. */
  cardRefreshesDue(now: number, limit: number): Promise<AgentRow[]>;
  trustHistory(agentId: string, limit: number): Promise<TrustHistoryRow[]>;
  healthHistory(agentId: string, limit: number): Promise<HealthHistoryRow[]>;
  reportCount(subjectId: string, reporterId: string): Promise<ReportCount | undefined>;

  commit(change: Commit): Promise<CommitResult>;

  /**
   * The probe runner's working rows (the `probes` table: due times, leases,
   * damped state, recent results), on the store's own connections. Its calls
   * are not guarded like the store's: the runner reports its failures.
   */
  probeLeases(): ProbeLeases;

  /** Stores a session, and deletes the sessions that expired by its `createdAt` (so the table stays small without a timer). */
  createSession(session: SessionRow): Promise<void>;
  /** When the session expires, or undefined when there is no such session. Expired sessions may still be returned: the caller compares. */
  sessionExpiresAt(idHash: string): Promise<number | undefined>;
  /** Ends a session (sign-out); no error when it does not exist. */
  deleteSession(idHash: string): Promise<void>;

  /**
   * Calls `wake` whenever another process may have appended events (PostgreSQL:
   * LISTEN/NOTIFY, re-established after a dropped connection, with a wake after
   * each reconnect so nothing is missed). Optional: a single-process store has
   * no other writers.
   */
  watch?(wake: () => void): Promise<void>;

  eventsAfter(after: number, limit: number, filter?: EventFilter): Promise<StoredEvent[]>;
  eventBounds(): Promise<EventBounds>;
  /** Deletes events beyond `maxEvents` or older than `olderThan`, and old per-agent history. Returns events deleted. */
  prune(maxEvents: number, olderThan: number): Promise<number>;
}

export const HISTORY_PER_AGENT = 200;
