/**
 * What `subscribe()` accepts and hands back, and the check of its options:
 * a wrong option is a programmer error, thrown by `subscribe()` itself before
 * anything is sent.
 */
import type { Agent } from "./agent.js";
import { EVENT_TYPES, type EventType, type RegistryEvent, type ResetEvent } from "./events.js";
import { checkSignal, invalidArgument, type AgentMeshError } from "./errors.js";
import { checkSelector, type SelectorArg } from "./selector-params.js";

export interface SubscribeOptions {
  /** Only these event types (default: all). */
  types?: EventType[];
  /** Only events of this agent or these agents, and only them in snapshots (default: all). */
  agentId?: string | string[];
  /**
   * A standing query (docs/selectors.md): a `Selector` or its query string,
   * e.g. `"protocol=a2a&skill=summarize&min_trust=0.8"`. Snapshots hold the
   * matching agents only, and each event says what it did to the answer in
   * `match` (`entered`, `stayed`, `left`). `watch()` keeps that answer for you.
   * A bad selector throws `invalid_argument` naming the bad part.
   */
  selector?: SelectorArg;
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
  /**
   * Called on every change of the connection state, and again (still
   * `reconnecting`) when a new attempt is scheduled: read `retryAt` then.
   */
  onStatus?: (state: ConnectionState) => void;
  /**
   * Called with the error that ended the subscription (`fatal`: bad token,
   * forbidden, invalid filter), or with an error thrown by your handler
   * (not fatal: delivery goes on). Without it, handler errors are printed.
   */
  onError?: (error: unknown, info: { fatal: boolean }) => void;
  /**
   * Called when a bookmark moves the resume point past events this stream
   * does not carry (nothing matched), in order with the updates: every update
   * before it has been handed when it is called.
   */
  onBookmark?: (id: number) => void;
  /**
   * Reconnect when nothing, not even a keep-alive comment, arrived for this
   * long. Default: 3× the server's keep-alive, at least 45 s. A value below
   * 1.2× the server's keep-alive is refused (`invalid_argument`, when the
   * subscription starts): it would reconnect a quiet stream every few seconds.
   */
  stallTimeoutMs?: number;
  /**
   * Most updates held for a consumer slower than the stream (default 1000).
   * When that many wait, the stream is paused (state `paused`: the connection
   * is closed) and resumed from the last held event once half have been
   * handled, so nothing is lost or repeated and memory stays bounded.
   */
  bufferSize?: number;
  /** Closes the subscription when it fires, like `close()`. */
  signal?: AbortSignal;
}

/**
 * `paused`: the consumer is `bufferSize` updates behind, so the connection is
 * closed until it catches up (then `reconnecting`, `live`).
 */
export type ConnectionState = "connecting" | "live" | "reconnecting" | "paused" | "closed";

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

/**
 * A running subscription. Without a handler, consume it with `for await`:
 * the loop gets every update in order and ends when the subscription is
 * closed or its signal fires; it throws the error that ended it otherwise.
 * Leaving the loop early closes the subscription.
 */
export interface Subscription extends AsyncIterable<SubscriptionUpdate> {
  /** Resolves once the stream is open (the initial snapshot has been fetched); rejects if the subscription could not start. */
  readonly ready: Promise<void>;
  /** Resolves when the subscription ends: null after `close()` or an abort, or the error that ended it. */
  readonly done: Promise<AgentMeshError | null>;
  /** The id of the last event received (resume point). */
  readonly lastEventId: number;
  readonly state: ConnectionState;
  /**
   * While `reconnecting` after a failed attempt: when the next one is due (ms
   * since the epoch), for a "retrying in 5 s" notice. Null otherwise, also
   * while the EventSource retries a dropped connection by itself.
   */
  readonly retryAt: number | null;
  /**
   * Skips the wait: while `reconnecting`, connects at once (a "Reconnect now"
   * button, the device coming back online). Does nothing in other states.
   */
  reconnect(): void;
  /** Stops streaming; no update is handed after this returns. */
  close(): void;
}

export const DEFAULT_BUFFER_SIZE = 1000;

const isFn = (f: unknown) => f === undefined || typeof f === "function";
const isCount = (n: unknown, min: number) => typeof n === "number" && Number.isSafeInteger(n) && n >= min;

/** Throws `invalid_argument` for an option no request could make right. */
export function checkSubscribeOptions(o: SubscribeOptions): void {
  if (o.types !== undefined) {
    if (!Array.isArray(o.types)) throw invalidArgument("types must be an array of event types");
    const bad = o.types.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (bad !== undefined) throw invalidArgument(`unknown event type ${JSON.stringify(bad)}; known: ${EVENT_TYPES.join(", ")}`);
  }
  if (o.agentId !== undefined) {
    const ids: unknown[] = Array.isArray(o.agentId) ? o.agentId : [o.agentId];
    if (ids.some((id) => typeof id !== "string" || id === "")) throw invalidArgument("agentId must be a non-empty string or an array of them");
  }
  if (o.selector !== undefined) checkSelector(o.selector, "subscribe()");
  if (o.since !== undefined && !isCount(o.since, 0)) throw invalidArgument(`since must be an event id (an integer ≥ 0), got ${String(o.since)}`);
  if (o.stallTimeoutMs !== undefined && !(typeof o.stallTimeoutMs === "number" && Number.isFinite(o.stallTimeoutMs) && o.stallTimeoutMs > 0)) {
    throw invalidArgument(`stallTimeoutMs must be a positive number of milliseconds, got ${String(o.stallTimeoutMs)}`);
  }
  if (o.bufferSize !== undefined && !isCount(o.bufferSize, 1)) throw invalidArgument(`bufferSize must be an integer ≥ 1, got ${String(o.bufferSize)}`);
  checkSignal(o.signal);
  if (!isFn(o.onStatus) || !isFn(o.onError)) throw invalidArgument("onStatus and onError must be functions");
}
