/**
 * The rules of `GET /agents` that a client may need to apply itself: the
 * default sort and its natural order, and what text search means. The server
 * lists by them, and a client holding a live copy of the list (the dashboard
 * filters and sorts on its own side, as events arrive) filters by the same
 * functions, so both always agree on which agents a search matches.
 */
import type { ListSort } from "./vocabulary.js";

export type SortOrder = "asc" | "desc";

/** The sort of `GET /agents` when none is asked for. */
export const DEFAULT_SORT: ListSort = "name";

/** The natural direction of each sort, used when no `order` is given: names A→Z, trust and times highest/newest first. */
export const DEFAULT_ORDER: Readonly<Record<ListSort, SortOrder>> = { name: "asc", trust_score: "desc", updated_at: "desc", created_at: "desc" };

/** The fields text search looks in. */
export interface Searchable {
  id: string;
  name: string;
  description: string;
  provider: string | null;
  tags: readonly string[];
  skills: readonly { name: string; tags?: readonly string[] }[];
}

/**
 * What `q` is matched against: id, name, description, provider, tags, and
 * skill names and tags, lower-cased, one per line (a query is one line, so a
 * match never spans two fields). The stores keep it in a column; clients
 * compute it.
 */
export function searchText(agent: Searchable): string {
  const fields = [agent.id, agent.name, agent.description, agent.provider ?? "", ...agent.tags, ...agent.skills.flatMap((s) => [s.name, ...(s.tags ?? [])])];
  return fields.join("\n").toLowerCase();
}

/** The search as it is looked for in `searchText`: the whole query, lower-cased, as one substring. */
export function searchNeedle(q: string): string {
  return q.toLowerCase();
}

/**
 * The `|a|b|` index the stores keep of tags and of skill names: lower-cased,
 * so `|x|` is in it exactly when a value lowers to x.
 */
export function termIndex(values: readonly string[]): string {
  return `|${values.map((v) => v.toLowerCase()).join("|")}|`;
}

/** Whether `agent` matches the text search `q` (an empty query matches every agent). */
export function matchesText(agent: Searchable, q: string): boolean {
  return q === "" || searchText(agent).includes(searchNeedle(q));
}
