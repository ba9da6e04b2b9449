/**
 * The page's one connection to `GET /api/v1/events`, kept alive.
 *
 * The stream itself is the client package's `subscribe()` (the recipe every
 * client follows): it resumes from the last event id after a drop, watches
 * for a stalled connection, and reconnects with backoff and jitter where a
 * browser's EventSource would give up for good (any non-200 answer). This
 * module adds what a page needs on top: the state the connection indicator
 * shows (offline after a while down or when the browser says so, when the
 * next attempt is due, when the last event came), an attempt at once when the
 * browser comes back online or the tab is looked at again, and a fresh
 * subscription, from the last id seen, when one ended for good (a 401 before
 * sign-in, a 404 from a proxy): a dashboard never stops trying.
 */
import { backoffDelay, type AgentMeshClient, type ConnectionState as ClientState, type StreamEvent, type SubscriptionUpdate } from "@agentmesh/client";
import { registry } from "../api/registry";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline";

export interface ConnectionState {
  status: ConnectionStatus;
  /** The id of the last frame received (where a reconnect resumes). */
  lastEventId: number;
  /** When the last event arrived (ms since epoch); null before the first. */
  lastEventAt: number | null;
  /** Since when the stream has been down (ms); null while live. */
  downSince: number | null;
  /** When the next attempt is due (ms); null while live, or while the connection retries by itself. */
  nextAttemptAt: number | null;
}

export interface StreamFrame {
  id: number;
  event: StreamEvent;
}

/** The part of the client this module uses (tests script it). */
export type StreamClient = Pick<AgentMeshClient, "subscribe">;

export interface EventStreamOptions {
  onFrame(frame: StreamFrame): void;
  onState?(state: ConnectionState): void;
  /** Default: the page's client (api/registry.ts). */
  client?: StreamClient;
  /** Down for this long (or the browser is offline) → "offline" instead of "reconnecting". Default 10 s. */
  offlineAfterMs?: number;
}

type Subscription = ReturnType<StreamClient["subscribe"]>;

export class EventStream {
  private sub: Subscription | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private offlineTimer: ReturnType<typeof setTimeout> | null = null;
  /** Subscriptions that ended for good in a row (the backoff before the next). */
  private restarts = 0;
  private closed = false;
  private state: ConnectionState;
  /** Back online, or the tab is looked at again: no reason to wait out the backoff. */
  private readonly onWake = () => {
    if (globalThis.document?.visibilityState !== "hidden") this.reconnectNow();
  };

  constructor(private readonly options: EventStreamOptions) {
    this.state = { status: "connecting", lastEventId: 0, lastEventAt: null, downSince: null, nextAttemptAt: null };
  }

  getState(): ConnectionState {
    return this.state;
  }

  /** Opens the stream after event `fromId` (the list's cursor). */
  open(fromId: number): void {
    this.closed = false;
    this.set({ lastEventId: fromId });
    globalThis.addEventListener?.("online", this.onWake);
    globalThis.document?.addEventListener("visibilitychange", this.onWake);
    this.subscribe();
  }

  /** Skips the wait before the next attempt (a "Reconnect now" button, or the browser coming online). */
  reconnectNow(): void {
    if (this.closed) return;
    if (this.restartTimer) {
      this.clearRestart();
      this.subscribe();
    } else this.sub?.reconnect();
  }

  close(): void {
    this.closed = true;
    this.clearRestart();
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = null;
    this.sub?.close();
    this.sub = null;
    globalThis.removeEventListener?.("online", this.onWake);
    globalThis.document?.removeEventListener("visibilitychange", this.onWake);
  }

  private subscribe(): void {
    this.sub?.close();
    const client = this.options.client ?? registry();
    const mine = {};
    this.attempt = mine;
    const current = () => this.attempt === mine && !this.closed;
    const sub = client.subscribe({ since: this.state.lastEventId, snapshot: false, onStatus: (s) => current() && this.follow(s) }, (update) => {
      if (current()) this.receive(update);
    });
    this.sub = sub;
    void sub.done.then(() => {
      // Closed by us (null), or ended for good by the server (401, 404…): start over after a backoff.
      if (current()) this.restartLater();
    });
  }

  private attempt: object | null = null;

  /** The client's connection state, as the indicator shows it. */
  private follow(state: ClientState): void {
    if (state === "live") {
      this.restarts = 0;
      this.markUp();
    } else if (state === "reconnecting") this.markDown(this.sub?.retryAt ?? null);
  }

  private receive(update: SubscriptionUpdate): void {
    if (update.type === "snapshot") return; // not asked for: the page reads what it shows itself
    const frame: StreamFrame = update.type === "reset" ? { id: this.sub?.lastEventId ?? update.cursor, event: update } : withoutId(update);
    this.set({ lastEventId: frame.id, lastEventAt: Date.now() });
    this.markUp();
    this.options.onFrame(frame);
  }

  private restartLater(): void {
    this.sub = null;
    this.clearRestart();
    const delay = backoffDelay(this.restarts++);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.subscribe();
    }, delay);
    this.markDown(Date.now() + delay);
  }

  private markUp(): void {
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = null;
    if (this.state.status !== "live" || this.state.downSince !== null) this.set({ status: "live", downSince: null, nextAttemptAt: null });
  }

  private markDown(nextAttemptAt: number | null): void {
    const downSince = this.state.downSince ?? Date.now();
    const offlineAfter = this.options.offlineAfterMs ?? 10_000;
    const offline = globalThis.navigator?.onLine === false || Date.now() - downSince >= offlineAfter;
    this.set({ status: offline ? "offline" : "reconnecting", downSince, nextAttemptAt });
    if (!offline && !this.offlineTimer) {
      this.offlineTimer = setTimeout(() => {
        this.offlineTimer = null;
        if (this.state.downSince !== null && !this.closed) this.set({ status: "offline" });
      }, downSince + offlineAfter - Date.now());
    }
  }

  private clearRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private set(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch };
    this.options.onState?.(this.state);
  }
}

/** A registry event as the stream frames it: the id beside the event, not in it. */
function withoutId({ id, ...event }: Exclude<SubscriptionUpdate, { type: "snapshot" | "reset" }>): StreamFrame {
  return { id, event };
}
