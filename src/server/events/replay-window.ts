/**
 * The most recent events, already framed, for resumes that reach back less
 * than the window. Bounded by count and bytes; older resumes read the store.
 * Ids in the window are contiguous (the tailer hands over contiguous runs, and
 * a skip forgets the window).
 */
import type { EventType } from "../../shared/events.js";
import type { Match } from "../../shared/selector.js";
import type { Picked, Subjects } from "./standing.js";

export interface Entry {
  id: number;
  type: EventType;
  agentId: string;
  frame: Buffer;
  /** The prior record as stored (JSON; null for a registration or an event without one). */
  prior?: string | null;
  /** Parsed on first use by a selector stream (standing.ts). */
  subjects?: Subjects;
  /**
   * The frame with `"match"`, built on first use, at most one per match
   * value (standing.ts). Not counted in the window's bytes: at most three
   * per event, and only for events a selector stream received.
   */
  variants?: Partial<Record<Match, Buffer>>;
}

/** Frames taken from the window for one write. */
export interface Piece {
  frames: Buffer[];
  /** Id of the last entry looked at: the reader's new cursor. */
  last: number;
  /** Set when an entry could not be classified for the reader's selector (it then gets a reset). */
  unknown?: true;
}

export class ReplayWindow {
  private entries: Entry[] = [];
  private start = 0;
  private bytes = 0;

  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.length - this.start;
  }

  /** Oldest id held, or null when empty. */
  get oldest(): number | null {
    return this.size > 0 ? this.entries[this.start].id : null;
  }

  push(entry: Entry): void {
    this.entries.push(entry);
    this.bytes += entry.frame.length;
  }

  /** Drops the oldest entries beyond the count and byte bounds. */
  trim(): void {
    while (this.size > this.maxCount || (this.bytes > this.maxBytes && this.size > 0)) {
      this.bytes -= this.entries[this.start].frame.length;
      this.start++;
    }
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  forget(): void {
    this.entries = [];
    this.start = 0;
    this.bytes = 0;
  }

  /** True when every event after `cursor` up to `head` is in the window. */
  covers(cursor: number, head: number): boolean {
    const oldest = this.oldest;
    return cursor >= head || (oldest !== null && cursor >= oldest - 1);
  }

  /**
   * The frames after `cursor` that `pick` gives (null: none for this
   * reader), up to about `maxBytes` (at least one frame), and the id the
   * reader has then seen up to. Stops at an entry `pick` calls UNKNOWN.
   */
  piece(cursor: number, pick: (e: Entry) => Picked, maxBytes: number): Piece {
    const frames: Buffer[] = [];
    let size = 0;
    let last = cursor;
    for (let i = this.indexAfter(cursor); i < this.entries.length; i++) {
      const e = this.entries[i];
      const frame = pick(e);
      if (typeof frame === "symbol") return { frames, last, unknown: true };
      if (frame) {
        if (size > 0 && size + frame.length > maxBytes) break;
        frames.push(frame);
        size += frame.length;
      }
      last = e.id;
    }
    return { frames, last };
  }

  /** Index of the first entry with an id greater than `cursor`. */
  private indexAfter(cursor: number): number {
    let lo = this.start;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].id <= cursor) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
