/**
 * `watch(selector)`: a live view of a standing query's answer. It is a
 * subscription with that selector (subscribe.ts: the list read through every
 * page, then the stream from the list's cursor, resumed across disconnects,
 * refetched after a reset) whose updates go through the pure rules of
 * watch-view.ts into one `Map`.
 */
import type { Agent } from "./agent.js";
import { Channel } from "./channel.js";
import { AgentMeshError } from "./errors.js";
import type { Selector } from "./selector-grammar.js";
import type { ConnectionState, SubscribeOptions, Subscription, SubscriptionHandler } from "./subscribe-options.js";
import { applyChanges, reduceWatch, type WatchChange } from "./watch-view.js";

export type { WatchChange } from "./watch-view.js";

export interface WatchOptions extends Pick<SubscribeOptions, "signal" | "onStatus" | "onError" | "stallTimeoutMs" | "bufferSize"> {
  /**
   * Called with each change, after the view has applied it (so `view.agents`
   * already shows it). Not called for the initial answer: read `agents` once
   * `ready` resolves.
   */
  onChange?: (change: WatchChange, view: WatchView) => void;
}

/**
 * A live answer. `agents` holds exactly the matching agents (by id) as of
 * `lastEventId`. Iterate it with `for await` to get each change from the
 * moment you start; leaving the loop closes the view.
 */
export interface WatchView extends AsyncIterable<WatchChange> {
  /** The matching agents, by id: read it, do not change it. */
  readonly agents: ReadonlyMap<string, Agent>;
  /** The selector, as parsed. */
  readonly selector: Selector;
  /** Resolves once the first answer is in `agents` and the stream is open; rejects if the view could not start. */
  readonly ready: Promise<void>;
  /** Resolves when the view ends: null after `close()` or an abort, or the error that ended it. */
  readonly done: Promise<AgentMeshError | null>;
  readonly state: ConnectionState;
  /** The id of the last event the answer in `agents` includes (changes up to it have been reported). */
  readonly lastEventId: number;
  close(): void;
}

/** Starts a view on `start(handler)`, the client's subscription with the selector. */
export function startWatch(
  selector: Selector,
  options: WatchOptions,
  start: (handler: SubscriptionHandler, onBookmark: (id: number) => void) => Subscription,
): WatchView {
  const agents = new Map<string, Agent>();
  let sub!: Subscription;
  let iterated = false;
  let applied = 0; // the last event the answer includes
  const channel = new Channel<WatchChange>(() => sub.close());
  let markLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => (markLoaded = resolve));

  const view: WatchView = {
    agents,
    selector,
    get ready() {
      return ready;
    },
    get done() {
      return sub.done;
    },
    get state() {
      return sub.state;
    },
    get lastEventId() {
      return applied;
    },
    close: () => sub.close(),
    [Symbol.asyncIterator]() {
      iterated = true;
      return channel;
    },
  };

  // A bookmark: nothing matched up to it, so the answer holds as of its id.
  const onBookmark = (id: number) => {
    if (id > applied) applied = id;
  };
  sub = start(async (update) => {
    if (update.type === "snapshot") applied = update.cursor;
    else if (update.type !== "reset") applied = update.id;
    if (update.type === "snapshot" && update.reason === "initial") {
      applyChanges(agents, [{ type: "reset", agents: update.agents, entered: [], left: [], cursor: update.cursor }]);
      markLoaded();
      return;
    }
    const changes = reduceWatch(agents, update);
    for (const change of changes) {
      applyChanges(agents, [change]);
      options.onChange?.(change, view);
      // A slow loop holds the subscription's delivery, which pauses the stream past its buffer.
      if (iterated) await channel.hand(change);
    }
  }, onBookmark);
  // The subscription's `ready` rejects when it cannot start; its `done` ends the loop with its error.
  const closedFirst = () =>
    sub.done.then((err) => Promise.reject(err ?? new AgentMeshError({ status: 0, code: "aborted", detail: "the view was closed before its first answer" })));
  const ready = sub.ready.then(() => Promise.race([loaded, closedFirst()]));
  ready.catch(() => {});
  void sub.done.then((err) => channel.end(err ?? undefined));
  return view;
}
