/**
 * Keeps the TanStack Query cache in step with the registry: one EventStream for
 * the whole page, each event applied to the cache from its own snapshot (no
 * request per event), and a single refetch when the server says the stream
 * could not resume (`reset`).
 *
 * Events are applied in small batches (one cache write per batch), so a burst
 * of events re-renders the table once, not once per event.
 */
import { backoffDelay } from "@agentmesh/client";
import type { QueryClient } from "@tanstack/react-query";
import type { Agent, HealthReport, TrustReport } from "@agentmesh/client";
import { agentKey, healthKey, trustKey } from "../api/agent";
import { addAgentEvent, agentEventsKey, type AgentEvents } from "../api/agent-events";
import { fetchFleet, fleetKey, type Fleet } from "../api/fleet";
import { EventStream, type ConnectionState, type EventStreamOptions, type StreamFrame } from "./event-stream";
import { Feed } from "./feed";
import { SharedStream, type StreamRole, type TabSharing } from "./shared-stream";
import { applyEvents, rebase, supersedes, type SequencedEvent } from "./fleet-updates";
import { applyToHealth, applyToTrust, later } from "./history-updates";

export interface LiveSyncOptions {
  /** Events arriving within this window are applied together (ms). 0 applies each at once. Default 50. */
  batchMs?: number;
  /** Passed to the EventStream (tests inject a scripted client here). */
  stream?: Omit<EventStreamOptions, "onFrame" | "onState">;
  /** How the refetch on `reset` reads the fleet (default: the API). */
  fetchFleet?: () => Promise<Fleet>;
  /** Share one stream among the browser's tabs (see live/shared-stream.ts); without it this tab streams on its own. */
  share?: TabSharing | null;
}

export interface LiveState extends ConnectionState {
  /** True while a refetch after `reset` is in flight. */
  resyncing: boolean;
  /** Whether this tab streams on its own, holds the stream it shares with other tabs, or follows another tab's. */
  role: StreamRole;
}

export class LiveSync {
  readonly feed = new Feed();
  private readonly stream: Pick<EventStream, "open" | "close" | "reconnectNow" | "getState">;
  private state: LiveState;
  private readonly listeners = new Set<() => void>();
  private batch: SequencedEvent[] = [];
  private batchTimer: ReturnType<typeof setTimeout> | null = null;
  /** While a resync is in flight: the events that arrive meanwhile (re-applied on the fresh snapshot). */
  private arrivedDuringResync: SequencedEvent[] | null = null;
  private resyncRun: Promise<void> | null = null;
  private resyncTarget = 0;
  private running = false;

  constructor(
    private readonly queryClient: QueryClient,
    private readonly options: LiveSyncOptions = {},
  ) {
    const streamOptions = {
      ...options.stream,
      onFrame: (frame: StreamFrame) => this.receive(frame),
      onState: (connection: ConnectionState) => this.set({ ...connection, resyncing: this.resyncRun !== null }),
    };
    this.stream = options.share ? new SharedStream(options.share, { ...streamOptions, onRole: (role) => this.set({ role }) }) : new EventStream(streamOptions);
    this.state = { ...this.stream.getState(), resyncing: false, role: options.share ? "follower" : "own" };
  }

  getState = (): LiveState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Opens the stream from the cached fleet's cursor (which follows every applied event). Idempotent. */
  start(): void {
    if (this.running) return;
    const fleet = this.queryClient.getQueryData<Fleet>(fleetKey);
    if (!fleet) throw new Error("LiveSync.start() needs the fleet loaded first");
    this.running = true;
    this.stream.open(Math.max(fleet.cursor, this.stream.getState().lastEventId));
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.stream.close();
    this.flush();
  }

  reconnectNow(): void {
    this.stream.reconnectNow();
  }

  /**
   * Refetches the fleet once and rebases the events that arrived meanwhile on
   * it; detail queries on screen are refetched too. A call made while one is in
   * flight joins it, and causes one more run only if the snapshot it gets is
   * older than `atLeast` (the cursor of a later `reset`): the stream skipped
   * what lies between, so only a newer snapshot can fill it in.
   */
  resync(atLeast = 0): Promise<void> {
    this.resyncTarget = Math.max(this.resyncTarget, atLeast);
    if (this.resyncRun) return this.resyncRun;
    this.arrivedDuringResync = [];
    this.set({ resyncing: true });
    this.resyncRun = (async () => {
      let failures = 0;
      for (;;) {
        try {
          const fresh = await (this.options.fetchFleet ?? (() => fetchFleet()))();
          this.flush();
          const arrived = this.arrivedDuringResync ?? [];
          this.queryClient.setQueryData<Fleet>(fleetKey, (previous) => rebase(fresh, previous, arrived));
          failures = 0;
          if (fresh.cursor >= this.resyncTarget) break;
        } catch {
          // Unreachable or refused: keep the old view, try again with backoff while live.
          if (!this.running) break;
          await new Promise((r) => setTimeout(r, backoffDelay(failures++)));
        }
      }
      await this.queryClient.invalidateQueries({ queryKey: ["agent"], refetchType: "active" });
    })().finally(() => {
      this.resyncRun = null;
      this.resyncTarget = 0;
      this.arrivedDuringResync = null;
      this.set({ resyncing: false });
    });
    return this.resyncRun;
  }

  private receive({ id, event }: StreamFrame): void {
    if (event.type === "reset") {
      this.flush();
      this.feed.resetTo(event.cursor);
      void this.resync(event.cursor);
      return;
    }
    const sequenced = { id, event };
    this.arrivedDuringResync?.push(sequenced);
    this.batch.push(sequenced);
    const batchMs = this.options.batchMs ?? 50;
    if (batchMs <= 0) this.flush();
    else this.batchTimer ??= setTimeout(() => this.flush(), batchMs);
  }

  /** Applies the batched events to every cache entry they concern. */
  private flush(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const events = this.batch;
    if (events.length === 0) return;
    this.batch = [];
    this.queryClient.setQueryData<Fleet>(fleetKey, (fleet) => fleet && applyEvents(fleet, events));
    const refetch = new Set<string>();
    for (const { id: eventId, event } of events) {
      const id = event.agent_id;
      this.update<AgentEvents>(agentEventsKey(id), refetch, (held) => addAgentEvent(held, eventId, event));
      this.update<TrustReport>(trustKey(id), refetch, (report) => applyToTrust(report, event));
      this.update<HealthReport>(healthKey(id), refetch, (report) => applyToHealth(report, event));
      if (event.type !== "agent_deregistered") {
        const snapshot = event.agent;
        this.update<Agent>(agentKey(id), refetch, (held) =>
          supersedes(snapshot, held) ? { ...snapshot, last_heartbeat_at: later(held.last_heartbeat_at, snapshot.last_heartbeat_at) } : held,
        );
      }
    }
    for (const key of refetch) void this.queryClient.invalidateQueries({ queryKey: JSON.parse(key) as unknown[], exact: true });
    this.feed.push(events);
  }

  /**
   * Updates a per-agent query from an event if it holds data. If it is being
   * fetched, the answer may predate the event, so it is fetched once more.
   */
  private update<T>(key: readonly unknown[], refetch: Set<string>, apply: (data: T) => T): void {
    const query = this.queryClient.getQueryCache().find<T>({ queryKey: key, exact: true });
    if (!query) return;
    if (query.state.fetchStatus === "fetching") {
      refetch.add(JSON.stringify(key));
    } else if (query.state.data !== undefined) {
      const next = apply(query.state.data);
      if (next !== query.state.data) this.queryClient.setQueryData<T>(key, next);
    }
  }

  private set(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
