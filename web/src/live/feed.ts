/**
 * The live event feed's memory: the latest events, newest first, and a pause
 * that freezes what is shown while events keep arriving underneath, so resuming
 * shows everything that came in meanwhile.
 */
import type { RegistryEvent } from "@agentmesh/client";

export interface FeedEntry {
  /** The event id (SSE `id:`). */
  id: number;
  event: RegistryEvent;
}

export interface FeedView {
  /** What to show, newest first. */
  entries: readonly FeedEntry[];
  paused: boolean;
  /** Events that arrived since the pause and are not shown yet. */
  pending: number;
}

/** Events kept (shown or waiting behind a pause). */
export const FEED_CAPACITY = 1000;

export class Feed {
  private all: FeedEntry[] = [];
  /** Events at or below this id were already taken (replays after a reconnect are skipped). */
  private floor = 0;
  private frozen: FeedEntry[] | null = null;
  private arrivedWhilePaused = 0;
  private view: FeedView = { entries: [], paused: false, pending: 0 };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly capacity = FEED_CAPACITY) {}

  push(entries: readonly FeedEntry[]): void {
    if (entries.length === 0) return;
    const fresh = entries.filter((e) => e.id > this.floor).reverse();
    if (fresh.length === 0) return;
    this.floor = fresh[0].id;
    this.all = [...fresh, ...this.all].slice(0, this.capacity);
    if (this.frozen) this.arrivedWhilePaused += fresh.length;
    this.publish();
  }

  /**
   * After a `reset`: the log may have started over (a new database), so ids
   * from the new cursor on are taken even if lower than ones already shown.
   */
  resetTo(cursor: number): void {
    this.floor = Math.min(this.floor, cursor);
  }

  pause(): void {
    if (this.frozen) return;
    this.frozen = this.all;
    this.arrivedWhilePaused = 0;
    this.publish();
  }

  resume(): void {
    if (!this.frozen) return;
    this.frozen = null;
    this.arrivedWhilePaused = 0;
    this.publish();
  }

  getView = (): FeedView => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private publish(): void {
    this.view = {
      entries: this.frozen ?? this.all,
      paused: this.frozen !== null,
      pending: Math.min(this.arrivedWhilePaused, this.capacity),
    };
    for (const listener of this.listeners) listener();
  }
}
