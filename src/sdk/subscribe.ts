/**
 * `AgentMeshClient.subscribe()`: the consistency recipe of the event stream for
 * programs. List (the snapshot and its cursor) → stream from that cursor →
 * hand each event to the program once and in order → after any disconnect,
 * resume from the last event id → on `reset`, tell the program and hand it a
 * fresh snapshot.
 *
 * Framing, reconnection and `Last-Event-ID` are the `eventsource` package's
 * (a WHATWG EventSource); this module adds ids it tracks itself for
 * de-duplication, a stall watchdog (no byte, not even a keep-alive, for
 * `stallTimeoutMs`), and a reconnect with backoff where an EventSource would
 * give up for good (any non-200 answer, e.g. a proxy's 502). The token and the
 * byte tap are in stream-fetch.ts.
 */
import { EventSource } from "eventsource";
import type { Agent } from "../shared/agent.js";
import { EVENT_TYPES, type EventType, type RegistryEvent, type ResetEvent } from "../shared/events.js";
import { backoffDelay } from "./backoff.js";
import { AgentMeshError } from "./errors.js";
import { apiUrl, type FetchFn } from "./http.js";
import { streamFetch } from "./stream-fetch.js";

export interface SubscribeOptions {
  /** Only these event types (default: all). */
  types?: EventType[];
  /** Only events of this agent or these agents, and only them in snapshots (default: all). */
  agentId?: string | string[];
  /**
   * Resume after this event id (e.g. the last one your program handled before
   * it restarted) instead of starting from a fresh list: no initial snapshot is
   * handed then. An id the server no longer holds (or never issued) is answered
   * with a reset.
   */
  since?: number;
  /**
   * Hand `snapshot` updates: the agent list first (unless `since` is given)
   * and again after every reset (default true). With false, only events and
   * reset notices are handed; without `since` the stream still starts at the
   * current cursor, so nothing is missed between start-up and the first event.
   */
  snapshot?: boolean;
  /** Called on every change of the connection state. */
  onStatus?: (state: ConnectionState) => void;
  /**
   * Called with the error that ended the subscription (`fatal`: bad token,
   * forbidden, invalid filter), or with an error thrown by your handler
   * (not fatal: delivery goes on). Without it, handler errors are printed.
   */
  onError?: (error: unknown, info: { fatal: boolean }) => void;
  /** Reconnect when nothing, not even a keep-alive comment, arrived for this long (default 45 s). */
  stallTimeoutMs?: number;
}

export type ConnectionState = "connecting" | "live" | "reconnecting" | "closed";

/** A full list of agents consistent with event `cursor`: first, and again after each reset. */
export interface SnapshotUpdate {
  type: "snapshot";
  agents: Agent[];
  cursor: number;
  reason: "initial" | "reset";
}

/**
 * What the handler receives: a snapshot, a registry event (with its `id`), or
 * a reset notice — events may have been missed; in snapshot mode a fresh
 * `snapshot` follows at once.
 */
export type SubscriptionUpdate = SnapshotUpdate | (RegistryEvent & { id: number }) | ResetEvent;

export type SubscriptionHandler = (update: SubscriptionUpdate) => void | Promise<void>;

/** A running subscription. */
export interface Subscription {
  /** Resolves once the stream is open (the initial snapshot has been fetched); rejects if the subscription could not start. */
  readonly ready: Promise<void>;
  /** Resolves when the subscription ends: null after `close()`, or the error that ended it. */
  readonly done: Promise<AgentMeshError | null>;
  /** The id of the last event received (resume point). */
  readonly lastEventId: number;
  readonly state: ConnectionState;
  /** Stops streaming; no update is handed after this returns. */
  close(): void;
}

export interface SubscribeDeps {
  baseUrl: string;
  token?: string;
  fetch: FetchFn;
  /** The whole list and the cursor it is consistent with. */
  snapshot(): Promise<{ agents: Agent[]; cursor: number }>;
  /** The current cursor only. */
  cursor(): Promise<number>;
}

type Item = { kind: "update"; update: SubscriptionUpdate } | { kind: "refetch" };

function fatalStreamError(err: AgentMeshError): boolean {
  return [400, 401, 403, 404].includes(err.status);
}

export function subscribe(deps: SubscribeDeps, options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
  const agentIds = options.agentId === undefined ? undefined : Array.isArray(options.agentId) ? options.agentId : [options.agentId];
  const snapshotMode = options.snapshot !== false;
  const stallTimeoutMs = options.stallTimeoutMs ?? 45_000;

  let state: ConnectionState = "connecting";
  let closed = false;
  let lastId = options.since ?? 0;
  let es: EventSource | null = null;
  let lastFailure: AgentMeshError | null = null;
  let lastActivity = Date.now();
  let failures = 0;
  let opened = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;

  let resolveReady!: () => void;
  let rejectReady!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  let resolveDone!: (err: AgentMeshError | null) => void;
  const done = new Promise<AgentMeshError | null>((resolve) => (resolveDone = resolve));

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    options.onStatus?.(next);
  };

  const finish = (err: AgentMeshError | null) => {
    if (closed) return;
    closed = true;
    es?.close();
    es = null;
    clearTimeout(reconnectTimer);
    clearInterval(watchdog);
    queue.length = 0;
    setState("closed");
    if (err) {
      rejectReady(err);
      options.onError?.(err, { fatal: true });
    } else {
      rejectReady(new AgentMeshError({ status: 0, code: "unreachable", detail: "the subscription was closed before it started" }));
    }
    resolveDone(err);
  };

  // Delivery: one update at a time, in arrival order, awaiting async handlers.
  const queue: Item[] = [];
  let pumping = false;
  let floor = -1;
  const deliver = async (update: SubscriptionUpdate) => {
    try {
      await handler(update);
    } catch (err) {
      if (options.onError) options.onError(err, { fatal: false });
      else console.error("agentmesh subscribe: the handler threw", err);
    }
  };
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && !closed) {
        const item = queue.shift()!;
        if (item.kind === "refetch") {
          floor = -1;
          const snap = await snapshotWithRetry();
          if (!snap || closed) break;
          floor = snap.cursor;
          await deliver({ type: "snapshot", agents: snap.agents, cursor: snap.cursor, reason: "reset" });
        } else if (item.update.type === "reset" || item.update.type === "snapshot") {
          await deliver(item.update);
        } else if (item.update.id > floor) {
          await deliver(item.update);
        }
      }
    } finally {
      pumping = false;
    }
  };
  const enqueue = (item: Item) => {
    queue.push(item);
    void pump();
  };

  const filterAgents = (agents: Agent[]) => (agentIds ? agents.filter((a) => agentIds.includes(a.id)) : agents);
  const snapshotWithRetry = async (): Promise<{ agents: Agent[]; cursor: number } | null> => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        const snap = await deps.snapshot();
        return { agents: filterAgents(snap.agents), cursor: snap.cursor };
      } catch (err) {
        if (err instanceof AgentMeshError && !err.retryable) {
          finish(err);
          return null;
        }
        await new Promise((r) => setTimeout(r, backoffDelay(attempt)));
      }
    }
    return null;
  };

  let attempt = {};

  const onMessage = (type: EventType | "reset") => (ev: MessageEvent) => {
    if (closed) return;
    let data: any;
    try {
      data = JSON.parse(ev.data as string);
    } catch {
      return;
    }
    const id = Number(ev.lastEventId);
    if (type === "reset") {
      // The server continues live after its cursor, which may be below ids we saw (a new database).
      lastId = Number.isFinite(id) && ev.lastEventId !== "" ? id : (data as ResetEvent).cursor;
      enqueue({ kind: "update", update: data as ResetEvent });
      if (snapshotMode) enqueue({ kind: "refetch" });
      return;
    }
    if (!Number.isFinite(id) || id <= lastId) return; // a duplicate (or not a log event)
    lastId = id;
    enqueue({ kind: "update", update: { id, ...(data as RegistryEvent) } });
  };

  const connect = () => {
    if (closed) return;
    lastFailure = null;
    const url = apiUrl(deps.baseUrl, "/events", { types: options.types?.join(","), agent_id: agentIds, last_event_id: lastId });
    const mine = (attempt = {});
    const fetchStream = streamFetch(deps.fetch, deps.token, stallTimeoutMs, {
      onActivity: () => void (lastActivity = Date.now()),
      onNoAnswer: () => attempt === mine && !closed && reconnectLater(),
      onRefused: (err) => void (lastFailure = err),
    });
    const source = new EventSource(url, { fetch: fetchStream as never });
    es = source;
    source.addEventListener("open", () => {
      if (es !== source) return;
      failures = 0;
      lastActivity = Date.now();
      setState("live");
      if (!opened) {
        opened = true;
        resolveReady();
      }
    });
    for (const type of [...EVENT_TYPES, "reset"] as const) source.addEventListener(type, onMessage(type));
    source.addEventListener("error", () => {
      if (es !== source || closed) return;
      if (source.readyState !== EventSource.CLOSED) {
        setState("reconnecting"); // the EventSource retries by itself, sending Last-Event-ID
        return;
      }
      const err = lastFailure ?? new AgentMeshError({ status: 0, code: "bad_response", detail: "the event stream failed" });
      if (fatalStreamError(err)) {
        finish(err);
        return;
      }
      reconnectLater();
    });
  };

  const reconnectLater = () => {
    es?.close();
    es = null;
    setState("reconnecting");
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, Math.max(backoffDelay(failures++), lastFailure?.retryAfterMs ?? 0));
  };

  watchdog = setInterval(
    () => {
      if (state === "live" && Date.now() - lastActivity > stallTimeoutMs) reconnectLater();
    },
    Math.max(100, Math.min(5_000, stallTimeoutMs / 3)),
  );

  const start = async () => {
    try {
      if (options.since === undefined) {
        if (snapshotMode) {
          const snap = await deps.snapshot();
          lastId = snap.cursor;
          floor = snap.cursor;
          enqueue({ kind: "update", update: { type: "snapshot", agents: filterAgents(snap.agents), cursor: snap.cursor, reason: "initial" } });
        } else {
          lastId = await deps.cursor();
        }
      }
      connect();
    } catch (err) {
      finish(err instanceof AgentMeshError ? err : new AgentMeshError({ status: 0, code: "unreachable", detail: String(err), cause: err }));
    }
  };
  void start();

  return {
    ready,
    done,
    get lastEventId() {
      return lastId;
    },
    get state() {
      return state;
    },
    close() {
      finish(null);
    },
  };
}
