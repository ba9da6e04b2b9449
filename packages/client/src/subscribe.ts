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
 * `stallTimeoutMs`), a reconnect with backoff where an EventSource would give
 * up for good (any non-200 answer, e.g. a proxy's 502), and a bounded queue:
 * a consumer slower than the stream pauses the connection instead of growing
 * memory. The token and the byte tap are in stream-fetch.ts; options and
 * types in subscribe-options.ts; the delivery queue in delivery.ts; the
 * `for await` hand-over in channel.ts.
 */
import { EventSource } from "eventsource";
import type { Agent } from "./agent.js";
import { EVENT_TYPES, type EventType, type RegistryEvent, type ResetEvent } from "./events.js";
import { backoffDelay } from "./backoff.js";
import { Channel } from "./channel.js";
import { Delivery } from "./delivery.js";
import { AgentMeshError, abortedError, invalidArgument } from "./errors.js";
import { apiUrl, type FetchFn } from "./http.js";
import { decideStallTimeout } from "./stall.js";
import { streamFetch } from "./stream-fetch.js";
import { BOOKMARK_EVENT } from "./sse-bookmarks.js";
import { checkSelector, selectorQuery } from "./selector-params.js";
import {
  DEFAULT_BUFFER_SIZE,
  checkSubscribeOptions,
  type ConnectionState,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionHandler,
  type SubscriptionUpdate,
} from "./subscribe-options.js";

export type { ConnectionState, SnapshotUpdate, SubscribeOptions, Subscription, SubscriptionHandler, SubscriptionUpdate } from "./subscribe-options.js";

export interface SubscribeDeps {
  baseUrl: string;
  token?: string;
  fetch: FetchFn;
  /** The whole list and the cursor it is consistent with. */
  snapshot(signal: AbortSignal): Promise<{ agents: Agent[]; cursor: number }>;
  /** The current cursor only. */
  cursor(signal: AbortSignal): Promise<number>;
  /** The server's keep-alive interval, when it says (for the stall timeout). */
  keepaliveMs?(signal: AbortSignal): Promise<number | undefined>;
}

function fatalStreamError(err: AgentMeshError): boolean {
  return [400, 401, 403, 404].includes(err.status);
}

/** Resolves after `ms`, or at once when `signal` fires; leaves no timer behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export function subscribe(deps: SubscribeDeps, options: SubscribeOptions = {}, handler?: SubscriptionHandler): Subscription {
  checkSubscribeOptions(options);
  const agentIds = options.agentId === undefined ? undefined : Array.isArray(options.agentId) ? options.agentId : [options.agentId];
  const selector = options.selector === undefined ? undefined : checkSelector(options.selector, "subscribe()");
  const snapshotMode = options.snapshot !== false;
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const resumeBelow = Math.floor(bufferSize / 2);
  let stallTimeoutMs = 0; // decided at start, against the server's keep-alive

  let state: ConnectionState = "connecting";
  let closed = false;
  let paused = false;
  let lastId = options.since ?? 0;
  let es: EventSource | null = null;
  let lastFailure: AgentMeshError | null = null;
  let lastActivity = Date.now();
  let failures = 0;
  let opened = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let retryAt: number | null = null; // when `reconnectTimer` fires
  let watchdog: ReturnType<typeof setInterval> | undefined;
  const life = new AbortController(); // cancels in-flight list/stats requests on close
  const channel = handler ? null : new Channel<SubscriptionUpdate>(() => finish(null));
  let iterated = false;

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
    if (next !== "reconnecting") retryAt = null;
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
    life.abort();
    options.signal?.removeEventListener("abort", onAbort);
    delivery.clear();
    setState("closed");
    if (err) {
      rejectReady(err);
      options.onError?.(err, { fatal: true });
    } else if (options.signal?.aborted) {
      rejectReady(abortedError(options.signal, "the subscription"));
    } else {
      rejectReady(new AgentMeshError({ status: 0, code: "aborted", detail: "the subscription was closed before it started" }));
    }
    channel?.end(err ?? undefined);
    resolveDone(err);
  };
  const onAbort = () => finish(null);

  const delivery = new Delivery({
    async deliver(update) {
      if (channel) return channel.hand(update);
      try {
        await handler!(update);
      } catch (err) {
        if (options.onError) options.onError(err, { fatal: false });
        else console.error("agentmesh subscribe: the handler threw", err);
      }
    },
    refetch: () => snapshotWithRetry(),
    mark: (id) => options.onBookmark?.(id),
    closed: () => closed,
    onProgress(waiting) {
      if (paused && waiting <= resumeBelow) {
        paused = false;
        setState("reconnecting");
        connect();
      }
    },
  });

  const filterAgents = (agents: Agent[]) => (agentIds ? agents.filter((a) => agentIds.includes(a.id)) : agents);
  const snapshotWithRetry = async (): Promise<{ agents: Agent[]; cursor: number } | null> => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        const snap = await deps.snapshot(life.signal);
        return { agents: filterAgents(snap.agents), cursor: snap.cursor };
      } catch (err) {
        if (closed) return null;
        if (err instanceof AgentMeshError && !err.retryable) {
          finish(err);
          return null;
        }
        await sleep(backoffDelay(attempt), life.signal);
      }
    }
    return null;
  };

  // The consumer is a full buffer behind: stop reading; `pump` reconnects from
  // `lastId` (the last event queued) once it has worked the queue down.
  const pause = () => {
    paused = true;
    es?.close();
    es = null;
    clearTimeout(reconnectTimer);
    setState("paused");
  };

  const onMessage = (source: EventSource, type: EventType | "reset") => (ev: MessageEvent) => {
    if (closed || es !== source) return; // frames parsed after close() or pause() are read again on resume
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
      delivery.push({ kind: "update", update: data as ResetEvent });
      if (snapshotMode) delivery.push({ kind: "refetch" });
    } else {
      if (!Number.isFinite(id) || id <= lastId) return; // a duplicate (or not a log event)
      lastId = id;
      delivery.push({ kind: "update", update: { id, ...(data as RegistryEvent) } });
    }
    if (delivery.length >= bufferSize) pause();
  };

  let attempt = {};
  const connect = () => {
    if (closed || paused) return;
    lastFailure = null;
    retryAt = null;
    const url = apiUrl(deps.baseUrl, "/events", { ...selectorQuery(selector), types: options.types?.join(","), agent_id: agentIds, last_event_id: lastId });
    const mine = (attempt = {});
    const fetchStream = streamFetch(deps.fetch, deps.token, stallTimeoutMs, {
      onActivity: () => void (lastActivity = Date.now()),
      onNoAnswer: () => attempt === mine && !closed && !paused && reconnectLater(),
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
    for (const type of [...EVENT_TYPES, "reset"] as const) source.addEventListener(type, onMessage(source, type));
    // A bookmark (an id without data, rewritten by streamFetch): the log moved on past
    // events this stream does not carry; resume from there, deliver nothing.
    source.addEventListener(BOOKMARK_EVENT, (ev: MessageEvent) => {
      const id = Number(ev.lastEventId);
      if (!closed && es === source && ev.lastEventId !== "" && Number.isSafeInteger(id) && id > lastId) {
        lastId = id;
        if (options.onBookmark) delivery.push({ kind: "mark", id });
      }
    });
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
    clearTimeout(reconnectTimer);
    const delay = Math.max(backoffDelay(failures++), lastFailure?.retryAfterMs ?? 0);
    reconnectTimer = setTimeout(connect, delay);
    retryAt = Date.now() + delay;
    if (state === "reconnecting") options.onStatus?.("reconnecting"); // the same state, with a new `retryAt`
    else setState("reconnecting");
  };

  const start = async () => {
    try {
      const keepalive = deps.keepaliveMs?.(life.signal).catch(() => undefined);
      let initial: { agents: Agent[]; cursor: number } | undefined;
      if (options.since === undefined) {
        if (snapshotMode) initial = await deps.snapshot(life.signal);
        else lastId = await deps.cursor(life.signal);
      }
      const stall = decideStallTimeout(options.stallTimeoutMs, await keepalive);
      if (closed) return;
      if (!stall.ok) {
        finish(invalidArgument(stall.detail));
        return;
      }
      stallTimeoutMs = stall.ms;
      if (initial) {
        lastId = initial.cursor;
        delivery.snapshot(filterAgents(initial.agents), initial.cursor);
      }
      watchdog = setInterval(
        () => {
          if (state === "live" && Date.now() - lastActivity > stallTimeoutMs) reconnectLater();
        },
        Math.max(100, Math.min(5_000, stallTimeoutMs / 3)),
      );
      connect();
    } catch (err) {
      if (closed) return;
      finish(err instanceof AgentMeshError ? err : new AgentMeshError({ status: 0, code: "unreachable", detail: String(err), cause: err }));
    }
  };

  if (options.signal?.aborted) finish(null);
  else {
    options.signal?.addEventListener("abort", onAbort, { once: true });
    void start();
  }

  return {
    ready,
    done,
    get lastEventId() {
      return lastId;
    },
    get state() {
      return state;
    },
    get retryAt() {
      return retryAt;
    },
    reconnect() {
      // Only while down and started: a live stream has nothing to skip, a paused one waits for its consumer.
      if (closed || paused || !watchdog || state !== "reconnecting") return;
      clearTimeout(reconnectTimer);
      es?.close();
      es = null;
      connect();
    },
    close() {
      finish(null);
    },
    [Symbol.asyncIterator]() {
      if (!channel) throw invalidArgument("this subscription has a handler: its updates go there, not to for await");
      if (iterated) throw invalidArgument("a subscription can be iterated once");
      iterated = true;
      return channel;
    },
  };
}
