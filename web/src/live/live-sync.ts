/**
 * Keeps the page in step with the registry: one EventStream for the whole page
 * (shared among tabs), each event applied to the per-agent queries from its
 * own snapshot (no request per event), and handed to whoever listens (the
 * agents table decides from it whether to refetch the rows it shows). When
 * the server says the stream could not resume (`reset`), every list, total and
 * agent on screen is read again.
 *
 * Events are handled in small batches, so a burst re-renders once, not once
 * per event.
 */
import type { QueryClient } from "@tanstack/react-query";
import type { Agent, HealthReport, TrustReport } from "@agentmesh/client";
import { agentKey, healthKey, trustKey } from "../api/agent";
import { addAgentEvent, agentEventsKey, type AgentEvents } from "../api/agent-events";
import { statsKey, windowKey } from "../api/agents-window";
import { EventStream, type ConnectionState, type EventStreamOptions, type StreamFrame } from "./event-stream";
import { Feed } from "./feed";
import { SharedStream, type StreamRole, type TabSharing } from "./shared-stream";
import { applyRemovals, supersedes, type Removals, type SequencedEvent } from "./fleet-updates";
import { applyToHealth, applyToTrust, later } from "./history-updates";

export interface LiveSyncOptions {
  /** Events arriving within this window are handled together (ms). 0 handles each at once. Default 50. */
  batchMs?: number;
  /** Passed to the EventStream (tests inject a scripted client here). */
  stream?: Omit<EventStreamOptions, "onFrame" | "onState">;
  /** Share one stream among the browser's tabs (see live/shared-stream.ts); without it this tab streams on its own. */
  share?: TabSharing | null;
}

export interface LiveState extends ConnectionState {
  /** True while the reads after a `reset` are in flight. */
  resyncing: boolean;
  /** Whether this tab streams on its own, holds the stream it shares with other tabs, or follows another tab's. */
  role: StreamRole;
}

/** Told of every batch of events, after the per-agent queries took them. */
export type EventsListener = (events: readonly SequencedEvent[]) => void;

export class LiveSync {
  readonly feed = new Feed();
  private readonly stream: Pick<EventStream, "open" | "close" | "reconnectNow" | "getState">;
  private state: LiveState;
  private removed: Removals = {};
  /** The event id the stream was opened from: a read consistent with an older cursor may have missed events. */
  private openedFrom: number | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<EventsListener>();
  private batch: SequencedEvent[] = [];
  private batchTimer: ReturnType<typeof setTimeout> | null = null;
  private resyncRun: Promise<void> | null = null;
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

  /** Agents this page saw deregistered (bounded), by id. */
  getRemoved = (): Removals => this.removed;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Hands every batch of events to `listener`; returns its unsubscribe. */
  onEvents(listener: EventsListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * Opens the stream from event `cursor` (the cursor of the first read the
   * page made), or from where it last was. Idempotent.
   */
  start(cursor: number): void {
    if (this.running) return;
    this.running = true;
    const from = Math.max(cursor, this.stream.getState().lastEventId);
    this.openedFrom ??= from;
    this.stream.open(from);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.stream.close();
    this.flush();
  }

  /**
   * Whether a read consistent with event `cursor` may lack events the stream
   * will never deliver (it was opened after them): such a read is made again.
   */
  missedSince(cursor: number): boolean {
    return this.openedFrom !== null && cursor < this.openedFrom;
  }

  reconnectNow(): void {
    this.stream.reconnectNow();
  }

  /**
   * Reads again what the page shows: the table's rows, the totals and every
   * agent on screen. A call made while one is in flight joins it.
   */
  resync(): Promise<void> {
    if (this.resyncRun) return this.resyncRun;
    this.set({ resyncing: true });
    this.resyncRun = Promise.all([
      this.queryClient.invalidateQueries({ queryKey: windowKey }),
      this.queryClient.invalidateQueries({ queryKey: statsKey }),
      this.queryClient.invalidateQueries({ queryKey: ["agent"], refetchType: "active" }),
    ])
      .then(() => undefined)
      .finally(() => {
        this.resyncRun = null;
        this.set({ resyncing: false });
      });
    return this.resyncRun;
  }

  private receive({ id, event }: StreamFrame): void {
    if (event.type === "reset") {
      this.flush();
      this.feed.resetTo(event.cursor);
      void this.resync();
      return;
    }
    this.batch.push({ id, event });
    const batchMs = this.options.batchMs ?? 50;
    if (batchMs <= 0) this.flush();
    else this.batchTimer ??= setTimeout(() => this.flush(), batchMs);
  }

  /** Applies the batched events to every query they concern, then tells the listeners. */
  private flush(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const events = this.batch;
    if (events.length === 0) return;
    this.batch = [];
    const removed = applyRemovals(this.removed, events, (id) => this.queryClient.getQueryData<Agent>(agentKey(id)));
    const refetch = new Set<string>();
    for (const { id: eventId, event } of events) {
      const id = event.agent_id;
      this.update<AgentEvents>(agentEventsKey(id), refetch, (held) => addAgentEvent(held, eventId, event));
      this.update<TrustReport>(trustKey(id), refetch, (report) => applyToTrust(report, event));
      this.update<HealthReport>(healthKey(id), refetch, (report) => applyToHealth(report, event));
      if (event.type !== "agent_deregistered") this.updateAgent(event.agent, refetch);
    }
    for (const key of refetch) void this.queryClient.invalidateQueries({ queryKey: JSON.parse(key) as unknown[], exact: true });
    // Pages of the agents table that no view shows now (other filters, another sort, kept for a while) are
    // not kept live by the table: marked stale, so going back to them reads them again instead of showing
    // rows from before these events. Nothing is fetched now.
    void this.queryClient.invalidateQueries({ queryKey: windowKey, refetchType: "none", predicate: (q) => q.getObserversCount() === 0 });
    this.feed.push(events);
    if (removed !== this.removed) {
      this.removed = removed;
      this.set({});
    }
    for (const listener of this.eventListeners) listener(events);
  }

  /** An agent's page open on an id that was missing shows the agent as soon as it registers. */
  private updateAgent(snapshot: Agent, refetch: Set<string>): void {
    const key = agentKey(snapshot.id);
    const query = this.queryClient.getQueryCache().find<Agent>({ queryKey: key, exact: true });
    if (query && query.state.data === undefined && query.state.fetchStatus !== "fetching") {
      this.queryClient.setQueryData<Agent>(key, snapshot);
      return;
    }
    this.update<Agent>(key, refetch, (held) =>
      supersedes(snapshot, held) ? { ...snapshot, last_heartbeat_at: later(held.last_heartbeat_at, snapshot.last_heartbeat_at) } : held,
    );
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
