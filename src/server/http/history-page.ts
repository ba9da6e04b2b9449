/**
 * One page of `GET /api/v1/events/history`, with or without a selector.
 *
 * With a selector the page holds what a stream with that selector would have
 * been sent after `after`: the events that move an agent in, out or within
 * the answer, each with its `match` (the same classification, events/standing.ts).
 * It reads on past events that do not concern the selector until it has
 * `limit` events or reaches the end of the log, so a page shorter than
 * `limit` still means "nothing more", as without a selector.
 */
import type { EventHistory } from "../../shared/events.js";
import { selectorKey, type Selector } from "../../shared/selector.js";
import { entryOf, matchOf } from "../events/standing.js";
import type { EventFilter, Store } from "../store/store.js";

/** Events per store read while a selector skips what does not concern it. */
const SCAN = 1000;

export interface HistoryPage {
  rows: EventHistory["events"];
  /** An event without a prior record stopped the page: the caller must refetch (the stream would send a reset). */
  unknown: boolean;
}

export async function historyPage(store: Pick<Store, "eventsAfter">, after: number, limit: number, filter: EventFilter, selector: Selector): Promise<HistoryPage> {
  if (selectorKey(selector) === "") {
    const events = await store.eventsAfter(after, limit, filter);
    return { rows: events.map((e) => ({ id: e.id, ...JSON.parse(e.payload) })), unknown: false };
  }
  const rows: EventHistory["events"] = [];
  let cursor = after;
  for (;;) {
    const events = await store.eventsAfter(cursor, SCAN, filter);
    for (const e of events) {
      const match = matchOf(selector, entryOf(e));
      if (match === undefined) return { rows, unknown: true };
      if (match !== null) rows.push({ id: e.id, ...JSON.parse(e.payload), match });
      if (rows.length === limit) return { rows, unknown: false };
    }
    if (events.length < SCAN) return { rows, unknown: false };
    cursor = events[events.length - 1].id;
  }
}
