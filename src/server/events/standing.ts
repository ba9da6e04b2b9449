/**
 * Standing queries on the stream (docs/selectors.md §3): which frame of an
 * event a selector stream gets, decided from the event alone.
 *
 * - Each event's snapshot (`after`) and prior record (`before`, rebuilt by
 *   `beforeOf`) are parsed once, the first time a selector stream needs them,
 *   and kept on the event's entry; a deployment without selector streams
 *   parses nothing.
 * - `classify()` gives `entered`, `left`, `stayed` or nothing. The frame for a
 *   match is the plain frame with `"match":"…"` before the closing brace of
 *   `data:`, built once per event and match and kept on the entry: at most
 *   three variants per event, shared by every selector.
 * - The same entry and the same rule serve the live flush, the replay window
 *   and the store (a store page becomes entries through `entryOf`), so a
 *   resumed stream gets the bytes a live one got.
 * - An event without a prior record (written before migration 0008, or by an
 *   older instance during a rolling upgrade) cannot say what it did to a
 *   query: `UNKNOWN`, and the hub sends the stream a `reset` rather than a
 *   guessed `match`.
 */
import type { Agent } from "../../shared/agent.js";
import { classify, type Match, type Selector, type SelectorSubject } from "../../shared/selector.js";
import type { StoredEvent } from "../store/store.js";
import { eventFrame } from "./frame.js";
import { beforeOf, type Prior } from "./prior.js";
import type { Entry } from "./replay-window.js";

/** A selector stream met an event that cannot tell its `match`: the stream gets a reset. */
export const UNKNOWN = Symbol("match unknown");
export type Picked = Buffer | null | typeof UNKNOWN;

/** The agent before and after an event, as a selector reads it (before undefined: cannot tell). */
export interface Subjects {
  before: SelectorSubject | null | undefined;
  after: SelectorSubject | null;
}

/** An event as the hub keeps it: framed once, with its prior record for selector streams. */
export function entryOf(e: Pick<StoredEvent, "id" | "type" | "agentId" | "payload" | "prior">): Entry {
  return { id: e.id, type: e.type, agentId: e.agentId, frame: eventFrame(e), prior: e.prior ?? null };
}

const DATA = Buffer.from("\ndata: ");

/** The event's JSON, cut from its frame (`…data: {json}\n\n`), so an entry need not keep the payload twice. */
function payloadOf(frame: Buffer): string {
  return frame.toString("utf8", frame.indexOf(DATA) + DATA.length, frame.length - 2);
}

export function subjectsOf(e: Entry): Subjects {
  if (e.subjects) return e.subjects;
  const body = JSON.parse(payloadOf(e.frame)) as { agent?: Agent };
  const after = body.agent ?? null;
  const prior = e.prior === null || e.prior === undefined ? e.prior : (JSON.parse(e.prior) as Prior);
  e.subjects = { before: beforeOf(e.type, prior, after), after };
  return e.subjects;
}

/** The frame with `"match":"<m>"` as the last field of its data. */
function matchFrame(e: Entry, m: Match): Buffer {
  const variants = (e.variants ??= {});
  let frame = variants[m];
  if (!frame) {
    // The frame ends with the JSON's closing brace and a blank line: `}\n\n`.
    const head = e.frame.subarray(0, e.frame.length - 3);
    variants[m] = frame = Buffer.concat([head, Buffer.from(`,"match":"${m}"}\n\n`)]);
  }
  return frame;
}

/** What `e` does to `selector`'s answer: a match, null (nothing: not delivered), or undefined (cannot tell). */
export function matchOf(selector: Selector, e: Entry): Match | null | undefined {
  const { before, after } = subjectsOf(e);
  return before === undefined ? undefined : classify(selector, before, after);
}

/** What a stream with `selector` gets of `e`: its match frame, nothing (null), or UNKNOWN. */
export function pickForSelector(selector: Selector, e: Entry): Picked {
  const m = matchOf(selector, e);
  if (m === undefined) return UNKNOWN;
  return m === null ? null : matchFrame(e, m);
}
