/**
 * The one rule that decides whether a resume point can be honoured, used by
 * the stream (`Last-Event-ID`) and by `/events/history?after=` alike, judged
 * against the event log (the store), never against what one instance happens
 * to hold in memory:
 *
 * - `after` is **retained** when every event after it is still in the log:
 *   `oldest - 1 <= after <= last` (with an empty log, `oldest` is `last + 1`).
 *   Then the events after it are replayed (or listed) and nothing is missing.
 * - `after < oldest - 1`: some events after it were pruned: `history_pruned`.
 * - `after > last`: no such id was ever issued (another database, or a
 *   client's bad memory): `unknown_event_id`.
 *
 * Either of the last two is a reset: refetch state, then continue from the
 * current cursor.
 */
import type { ResetEvent } from "../../shared/events.js";
import type { EventBounds } from "../store/store.js";

export type ResumeVerdict = "retained" | ResetEvent["reason"];

export function judgeResume(after: number, bounds: EventBounds): ResumeVerdict {
  if (after > bounds.last) return "unknown_event_id";
  const oldest = bounds.oldest ?? bounds.last + 1;
  return after < oldest - 1 ? "history_pruned" : "retained";
}
