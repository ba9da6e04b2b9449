/**
 * One event stream for all the dashboard's tabs in a browser.
 *
 * A browser opens at most six HTTP/1.1 connections per origin, and each
 * EventSource holds one for good: with seven tabs each streaming, the seventh
 * never loads. So the tabs elect a leader with the Web Locks API (the lock is
 * held while the leader tab lives; the browser hands it to the next waiting
 * tab when the leader closes or stops); the leader runs the one EventStream
 * and relays every frame (events and `reset`s) and its connection state over a
 * BroadcastChannel. Followers hand relayed frames to the same `onFrame` the
 * leader uses, so every tab applies events through one code path.
 *
 * A tab that takes over resumes from the last event id it saw, so the server
 * replays whatever the old leader had not relayed yet (no gap), and frames at
 * or below that id are dropped (no duplicate). Frames relayed before `open()`
 * (while this tab was still reading its first answers) are kept and applied from the
 * tab's cursor on: an event committed after the list snapshot is relayed after
 * this tab started listening.
 */
import { EventStream, type ConnectionState, type EventStreamOptions, type StreamFrame } from "./event-stream";

/** How this tab gets its events: its own stream, the shared one it holds, or relayed by another tab. */
export type StreamRole = "own" | "leader" | "follower";

/** What a tab needs from the browser to share; `browserTabSharing()` gives the real ones. */
export interface TabSharing {
  locks: Pick<LockManager, "request">;
  channel(name: string): Pick<BroadcastChannel, "postMessage" | "close" | "onmessage">;
  /** Lock and channel name. Default `agentmesh-events`. */
  name?: string;
}

/** The browser's Web Locks and BroadcastChannel, or null where either is missing (each tab then streams on its own). */
export function browserTabSharing(): TabSharing | null {
  if (typeof BroadcastChannel === "undefined" || !globalThis.navigator?.locks) return null;
  return { locks: navigator.locks, channel: (name) => new BroadcastChannel(name) };
}

export interface SharedStreamOptions extends EventStreamOptions {
  /** Told when this tab becomes the leader or a follower. */
  onRole?(role: StreamRole): void;
}

type Message =
  | { kind: "frame"; frame: StreamFrame }
  | { kind: "state"; state: ConnectionState }
  | { kind: "hello" }
  | { kind: "reconnect" };

/** Frames kept while not open (bounded; past that, the tab resyncs when it opens). */
const EARLY_CAPACITY = 2000;

export class SharedStream {
  private readonly name: string;
  private readonly channel: Pick<BroadcastChannel, "postMessage" | "close" | "onmessage">;
  private inner: EventStream | null = null;
  private state: ConnectionState = { status: "connecting", lastEventId: 0, lastEventAt: null, downSince: null, nextAttemptAt: null };
  private role: StreamRole = "follower";
  private opened = false;
  private lastSeen = 0;
  private early: StreamFrame[] = [];
  private abort: AbortController | null = null;
  private resign: (() => void) | null = null;

  constructor(
    private readonly sharing: TabSharing,
    private readonly options: SharedStreamOptions,
  ) {
    this.name = sharing.name ?? "agentmesh-events";
    this.channel = sharing.channel(this.name);
    this.channel.onmessage = (message: MessageEvent<Message>) => this.receive(message.data);
  }

  getState(): ConnectionState {
    return this.state;
  }

  getRole(): StreamRole {
    return this.role;
  }

  /** Starts following from event `fromId`, and queues for the lead. */
  open(fromId: number): void {
    if (this.opened) return;
    this.opened = true;
    this.lastSeen = fromId;
    this.setState({ ...this.state, lastEventId: fromId });
    this.replayEarly(fromId);
    this.post({ kind: "hello" });
    const abort = new AbortController();
    this.abort = abort;
    this.sharing.locks
      .request(this.name, { signal: abort.signal }, () =>
        new Promise<void>((release) => {
          if (abort.signal.aborted) return release();
          this.resign = release;
          this.lead();
        }),
      )
      .catch(() => {
        // Aborted by close() while still waiting for the lock.
      });
  }

  reconnectNow(): void {
    if (this.inner) this.inner.reconnectNow();
    else if (this.opened) this.post({ kind: "reconnect" });
  }

  /** Stops streaming or following; a leader hands the lock to the next tab. */
  close(): void {
    this.opened = false;
    this.abort?.abort();
    this.abort = null;
    this.inner?.close();
    this.inner = null;
    this.resign?.();
    this.resign = null;
    this.setRole("follower");
  }

  /** Closes the channel too (the tab is going away for good). */
  dispose(): void {
    this.close();
    this.channel.close();
  }

  private lead(): void {
    this.setRole("leader");
    const { onRole: _onRole, ...options } = this.options;
    this.inner = new EventStream({
      ...options,
      onFrame: (frame) => {
        if (!this.isNew(frame)) return;
        this.lastSeen = frame.id;
        this.post({ kind: "frame", frame });
        this.options.onFrame(frame);
      },
      onState: (state) => {
        this.post({ kind: "state", state });
        this.setState(state);
      },
    });
    this.inner.open(this.lastSeen);
  }

  private receive(message: Message): void {
    if (this.role === "leader") {
      if (message.kind === "hello") this.post({ kind: "state", state: this.state });
      else if (message.kind === "reconnect") this.inner?.reconnectNow();
      return;
    }
    if (message.kind === "frame") {
      if (this.opened) this.deliver(message.frame);
      else this.keepEarly(message.frame);
    } else if (message.kind === "state" && this.opened) {
      this.setState({ ...message.state, lastEventId: this.lastSeen });
    }
  }

  /** A reset always goes through (its cursor may be lower: a new database); an event only when it is new to this tab. */
  private isNew(frame: StreamFrame): boolean {
    return frame.event.type === "reset" || frame.id > this.lastSeen;
  }

  private deliver(frame: StreamFrame): void {
    if (!this.isNew(frame)) return;
    // The stream's ids are gapless, so a jump means events this tab never saw:
    // the leader streams from a later point than this tab's snapshot (tabs that
    // load together start from different cursors), or frames kept while
    // loading overflowed. Only a refetch can fill that in.
    if (frame.event.type !== "reset" && frame.id > this.lastSeen + 1) {
      const cursor = frame.id - 1;
      this.options.onFrame({ id: cursor, event: { type: "reset", cursor, reason: "history_pruned", requested: this.lastSeen } });
    }
    this.lastSeen = frame.id;
    this.options.onFrame(frame);
  }

  private keepEarly(frame: StreamFrame): void {
    this.early.push(frame);
    if (this.early.length > EARLY_CAPACITY) this.early.shift();
  }

  private replayEarly(fromId: number): void {
    const early = this.early;
    this.early = [];
    // Frames dropped on overflow show as a jump in ids, which `deliver` answers with a reset.
    for (const frame of early) if (frame.event.type !== "reset" || frame.id > fromId) this.deliver(frame);
  }

  private post(message: Message): void {
    try {
      this.channel.postMessage(message);
    } catch {
      // A closed channel (the tab is unloading): nothing to tell.
    }
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.options.onState?.(state);
  }

  private setRole(role: StreamRole): void {
    if (role === this.role) return;
    this.role = role;
    this.options.onRole?.(role);
  }
}
