/**
 * The page's one connection to `GET /api/v1/events`, kept alive.
 *
 * The browser's EventSource reconnects by itself after a dropped connection
 * (sending Last-Event-ID), but it gives up for good on any non-200 answer and
 * retries a refused connection at a fixed pace forever. So: when an open
 * connection drops, we let the browser make its one reconnect (it honours the
 * server's jittered `retry:`, which spreads a restart's reconnects); when that
 * fails, or the browser has closed for good, or a connection never opened, we
 * close it and open a new one ourselves after an exponential backoff with
 * jitter, resuming with `?last_event_id=` from the last id we saw.
 */
import { EVENT_TYPES, type StreamEvent } from "../../../src/shared/events";
import { backoffDelay, type BackoffOptions } from "./backoff";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline";

export interface ConnectionState {
  status: ConnectionStatus;
  /** The id of the last frame received (where a reconnect resumes). */
  lastEventId: number;
  /** When the last event arrived (ms since epoch); null before the first. */
  lastEventAt: number | null;
  /** Since when the stream has been down (ms); null while live. */
  downSince: number | null;
  /** When our own next attempt is due (ms); null while the browser retries by itself. */
  nextAttemptAt: number | null;
}

export interface StreamFrame {
  id: number;
  event: StreamEvent;
}

export interface EventStreamOptions {
  /** Default `/api/v1/events`. */
  url?: string;
  onFrame(frame: StreamFrame): void;
  onState?(state: ConnectionState): void;
  /** For tests: build the EventSource. */
  createSource?(url: string): EventSource;
  backoff?: BackoffOptions;
  random?: () => number;
  /** Down for this long (or the browser is offline) → "offline" instead of "reconnecting". Default 10 s. */
  offlineAfterMs?: number;
}

const CLOSED = 2;

export class EventStream {
  private source: EventSource | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private offlineTimer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  /** The current source was open when its last error came (a drop, not a refused attempt). */
  private wasOpen = false;
  private closed = false;
  private state: ConnectionState;
  private readonly url: string;
  /** Back online, or the tab is looked at again: no reason to wait out the backoff. */
  private readonly onWake = () => {
    if (this.retryTimer && globalThis.document?.visibilityState !== "hidden") this.reconnectNow();
  };

  constructor(private readonly options: EventStreamOptions) {
    this.url = options.url ?? "/api/v1/events";
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
    this.connect();
  }

  /** Skips the wait before the next attempt (a "Reconnect now" button, or the browser coming online). */
  reconnectNow(): void {
    if (this.closed) return;
    this.clearRetry();
    this.connect();
  }

  close(): void {
    this.closed = true;
    this.clearRetry();
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.offlineTimer = null;
    this.source?.close();
    this.source = null;
    globalThis.removeEventListener?.("online", this.onWake);
    globalThis.document?.removeEventListener("visibilitychange", this.onWake);
  }

  private connect(): void {
    this.source?.close();
    const url = `${this.url}?last_event_id=${this.state.lastEventId}`;
    const source = this.options.createSource ? this.options.createSource(url) : new EventSource(url, { withCredentials: true });
    this.source = source;
    this.wasOpen = false;
    source.onopen = () => {
      if (this.source !== source) return;
      this.attempts = 0;
      this.wasOpen = true;
      if (this.offlineTimer) clearTimeout(this.offlineTimer);
      this.offlineTimer = null;
      this.set({ status: "live", downSince: null, nextAttemptAt: null });
    };
    source.onerror = () => {
      if (this.source !== source || this.closed) return;
      const browserRetries = source.readyState !== CLOSED && this.wasOpen;
      this.wasOpen = false;
      if (browserRetries) this.markDown(null);
      else this.scheduleReconnect();
    };
    for (const type of [...EVENT_TYPES, "reset"]) source.addEventListener(type, (message) => this.receive(source, message as MessageEvent<string>));
  }

  private receive(source: EventSource, message: MessageEvent<string>): void {
    if (this.source !== source) return;
    let event: StreamEvent;
    try {
      event = JSON.parse(message.data) as StreamEvent;
    } catch {
      return;
    }
    const id = Number(message.lastEventId);
    const lastEventId = Number.isSafeInteger(id) && id > 0 ? id : this.state.lastEventId;
    this.set({ lastEventId, lastEventAt: Date.now(), ...(this.state.status === "live" ? {} : { status: "live", downSince: null, nextAttemptAt: null }) });
    this.options.onFrame({ id: lastEventId, event });
  }

  private scheduleReconnect(): void {
    this.source?.close();
    this.source = null;
    this.clearRetry();
    this.attempts++;
    const delay = backoffDelay(this.attempts, this.options.random, this.options.backoff);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
    this.markDown(Date.now() + delay);
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

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private set(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch };
    this.options.onState?.(this.state);
  }
}
