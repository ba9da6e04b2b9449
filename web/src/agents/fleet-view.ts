/**
 * The agents table's filter, search, sort and the totals, computed on the client
 * over the one fleet cache. Because every view is derived from the same
 * up-to-date set, an agent enters, leaves or moves in any filtered or sorted
 * view the moment its event is applied, and the totals follow with no request.
 */
import { DEFAULT_ORDER, DEFAULT_SORT, matchesText, type Agent, type HealthStatus, type ListSort, type SortOrder, type TrustTier } from "@agentmesh/client";
import type { Fleet } from "../api/fleet";

export type { SortOrder };

export interface ListParams {
  health: HealthStatus | null;
  q: string;
  sort: ListSort;
  order: SortOrder;
}

/** Health states in the order the dashboard shows them. */
export const HEALTH_ORDER = ["healthy", "degraded", "unhealthy", "offline", "unknown"] as const satisfies readonly HealthStatus[];
export const TIER_ORDER = ["elite", "reliable", "experimental"] as const satisfies readonly TrustTier[];
export const SORTS = ["name", "trust_score", "updated_at", "created_at"] as const satisfies readonly ListSort[];

// Compile-time check that the lists above name every state and tier.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const _everyHealth: Missing<HealthStatus, (typeof HEALTH_ORDER)[number]> = true;
const _everyTier: Missing<TrustTier, (typeof TIER_ORDER)[number]> = true;
const _everySort: Missing<ListSort, (typeof SORTS)[number]> = true;
void [_everyHealth, _everyTier, _everySort];

export const DEFAULT_PARAMS: ListParams = { health: null, q: "", sort: DEFAULT_SORT, order: DEFAULT_ORDER[DEFAULT_SORT] };

/** The natural direction of each sort, as the server's (names A→Z, trust and times highest/newest first). */
export { DEFAULT_ORDER };

function compare(a: Agent, b: Agent, sort: ListSort): number {
  switch (sort) {
    case "name":
      return a.name.localeCompare(b.name, undefined, { sensitivity: "base", numeric: true });
    case "trust_score":
      return a.trust_score - b.trust_score;
    case "updated_at":
      return Date.parse(a.updated_at) - Date.parse(b.updated_at);
    case "created_at":
      return Date.parse(a.created_at) - Date.parse(b.created_at);
  }
}

export function selectAgents(agents: Record<string, Agent>, { health, q, sort, order }: ListParams): Agent[] {
  const sign = order === "asc" ? 1 : -1;
  return Object.values(agents)
    .filter((a) => (health === null || a.health_status === health) && matchesText(a, q))
    .sort((a, b) => sign * compare(a, b, sort) || a.id.localeCompare(b.id));
}

export interface Totals {
  total: number;
  byHealth: Record<HealthStatus, number>;
  byTier: Record<TrustTier, number>;
}

export function totals(fleet: Fleet): Totals {
  const byHealth = Object.fromEntries(HEALTH_ORDER.map((h) => [h, 0])) as Record<HealthStatus, number>;
  const byTier = Object.fromEntries(TIER_ORDER.map((t) => [t, 0])) as Record<TrustTier, number>;
  let total = 0;
  for (const agent of Object.values(fleet.agents)) {
    total++;
    byHealth[agent.health_status]++;
    byTier[agent.trust_tier]++;
  }
  return { total, byHealth, byTier };
}

/** Reads the table's state from the URL (`?health=offline&q=search&sort=trust_score&order=desc`), ignoring junk. */
export function paramsFromSearch(search: URLSearchParams): ListParams {
  const health = search.get("health");
  const sort = search.get("sort");
  const order = search.get("order");
  const validSort = (SORTS as readonly string[]).includes(sort ?? "") ? (sort as ListSort) : DEFAULT_PARAMS.sort;
  return {
    health: (HEALTH_ORDER as readonly string[]).includes(health ?? "") ? (health as HealthStatus) : null,
    q: search.get("q") ?? "",
    sort: validSort,
    order: order === "asc" || order === "desc" ? order : DEFAULT_ORDER[validSort],
  };
}

export function searchFromParams(params: ListParams): URLSearchParams {
  const search = new URLSearchParams();
  if (params.health) search.set("health", params.health);
  if (params.q) search.set("q", params.q);
  if (params.sort !== DEFAULT_PARAMS.sort) search.set("sort", params.sort);
  if (params.order !== DEFAULT_ORDER[params.sort]) search.set("order", params.order);
  return search;
}
