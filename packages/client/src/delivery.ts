/**
 * A subscription's delivery: one update at a time, in arrival order, each
 * awaited (an async handler, or the `for await` consumer taking it) before the
 * next. The queue is the subscription's only buffer of updates; the
 * subscription reads `length` to pause the stream when it is full, and
 * `onProgress` tells it when the consumer has worked it down.
 */
import type { Agent } from "./agent.js";
import type { SubscriptionUpdate } from "./subscribe-options.js";

/** An update to hand, or a marker: fetch a fresh snapshot here (after a reset). */
/** `mark`: a bookmark moved the resume point to `id`; it is passed on in order, after the updates before it. */
export type Item = { kind: "update"; update: SubscriptionUpdate } | { kind: "refetch" } | { kind: "mark"; id: number };

export interface DeliveryDeps {
  /** Hands one update to the consumer; resolves when it is done with it. */
  deliver(update: SubscriptionUpdate): Promise<void>;
  /** A fresh snapshot, or null when the subscription ended meanwhile. */
  refetch(): Promise<{ agents: Agent[]; cursor: number } | null>;
  closed(): boolean;
  /** After each item, with how many still wait. */
  onProgress(waiting: number): void;
  /** A bookmark's id, once every update before it was handed. */
  mark?(id: number): void;
}

export class Delivery {
  private queue: Item[] = [];
  private pumping = false;
  /** Events at or below the cursor of the snapshot last handed are already in it. */
  private floor = -1;

  constructor(private readonly deps: DeliveryDeps) {}

  get length(): number {
    return this.queue.length;
  }

  /** The initial snapshot: handed first, and events up to its cursor are skipped. */
  snapshot(agents: Agent[], cursor: number): void {
    this.floor = cursor;
    this.push({ kind: "update", update: { type: "snapshot", agents, cursor, reason: "initial" } });
  }

  push(item: Item): void {
    this.queue.push(item);
    void this.pump();
  }

  /** Drops what waits: nothing is handed after the subscription closes. */
  clear(): void {
    this.queue.length = 0;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.deps.closed()) {
        const item = this.queue.shift()!;
        if (item.kind === "mark") {
          this.deps.mark?.(item.id);
        } else if (item.kind === "refetch") {
          this.floor = -1;
          const snap = await this.deps.refetch();
          if (!snap || this.deps.closed()) break;
          this.floor = snap.cursor;
          await this.deps.deliver({ type: "snapshot", agents: snap.agents, cursor: snap.cursor, reason: "reset" });
        } else if (item.update.type === "reset" || item.update.type === "snapshot" || item.update.id > this.floor) {
          await this.deps.deliver(item.update);
        }
        if (!this.deps.closed()) this.deps.onProgress(this.queue.length);
      }
    } finally {
      this.pumping = false;
    }
  }
}
