/**
 * The prior record: what an event keeps of its agent *before* the change, so
 * that any instance can classify any event for a standing query from the log
 * alone (`entered`, `left`, `stayed`), live, on resume, after a restart and on
 * every PostgreSQL instance. docs/selectors.md gives the reasoning.
 *
 * - Only the fields a selector reads (`SUBJECT_FIELDS`), and of those only the
 *   ones that differ from the event's own snapshot: a health event records
 *   `{"health_status":"healthy"}`, not a second copy of the agent.
 * - A registration records nothing (there was no agent before); a
 *   deregistration, which carries no snapshot, records them all.
 * - Per commit, not per event: the first event of a commit records the
 *   commit's change; the others (a heartbeat's health and trust events carry
 *   the same snapshot) record `{}`, so each change moves an agent in or out
 *   of a query once, never twice.
 *
 * Pure functions; the store keeps the record as JSON beside the payload (not
 * in it: the frames of streams without a selector do not change).
 */
import type { EventType } from "../../shared/events.js";
import { subjectOf, SUBJECT_FIELDS, type SelectorSubject } from "../../shared/selector.js";

export type Prior = Partial<SelectorSubject>;

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The record for a change from `before` to `after` (either null: a registration, a deregistration). */
export function priorOf(before: SelectorSubject | null, after: SelectorSubject | null): Prior | null {
  if (before === null) return null;
  const was = subjectOf(before);
  if (after === null) return was;
  const now = subjectOf(after);
  const delta: Record<string, unknown> = {};
  for (const field of SUBJECT_FIELDS) if (!same(was[field], now[field])) delta[field] = was[field];
  return delta as Prior;
}

/** The records of one commit's `count` events, in order: the change on the first, `{}` on the rest. */
export function commitPriors(before: SelectorSubject | null, after: SelectorSubject | null, count: number): (Prior | null)[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? priorOf(before, after) : {}));
}

/**
 * The agent before an event, rebuilt from its record and its snapshot: null
 * when there was none (a registration), undefined when the event cannot say
 * (written before prior records existed: a selector stream that would need
 * it gets a `reset` instead of a guess).
 */
export function beforeOf(type: EventType, prior: Prior | null | undefined, after: SelectorSubject | null): SelectorSubject | null | undefined {
  if (type === "agent_registered") return null;
  if (prior === null || prior === undefined) return undefined;
  if (after === null) return SUBJECT_FIELDS.every((f) => f in prior) ? (prior as SelectorSubject) : undefined;
  return { ...subjectOf(after), ...prior };
}
