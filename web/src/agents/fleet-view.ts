/**
 * The agents table's state: filters, search and sort, kept in the URL (search
 * params) so a view can be shared and reloaded, and sent to the list API as
 * its own query parameters; and the totals, read from `/stats`. The page
 * filters, sorts and counts nothing itself: the server answers all of it.
 */
import { DEFAULT_ORDER, DEFAULT_SORT, PROTOCOLS, type HealthStatus, type ListQuery, type ListSort, type Protocol, type SortOrder, type Stats, type TrustTier } from "@agentmesh/client";

export type { SortOrder };

export interface ListParams {
  health: HealthStatus | null;
  protocol: Protocol | null;
  /** One tag (as the list API's `tag`); null for any. */
  tag: string | null;
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

export const DEFAULT_PARAMS: ListParams = { health: null, protocol: null, tag: null, q: "", sort: DEFAULT_SORT, order: DEFAULT_ORDER[DEFAULT_SORT] };

/** The natural direction of each sort, as the server's (names A→Z, trust and times highest/newest first). */
export { DEFAULT_ORDER };

export interface Totals {
  total: number;
  byHealth: Record<HealthStatus, number>;
  byTier: Record<TrustTier, number>;
}

/** The totals bar's counts from `/stats` (zeros for states the server did not name). */
export function totals(stats: Pick<Stats, "agents">): Totals {
  const byHealth = Object.fromEntries(HEALTH_ORDER.map((h) => [h, stats.agents.by_health[h] ?? 0])) as Record<HealthStatus, number>;
  const byTier = Object.fromEntries(TIER_ORDER.map((t) => [t, stats.agents.by_tier[t] ?? 0])) as Record<TrustTier, number>;
  return { total: stats.agents.total, byHealth, byTier };
}

/**
 * The list API's query for `params` (defaults left out), one page of `limit`
 * rows from `offset`. `protocol` rides along only when the URL names one: it
 * is the selector's parameter name, answered once the server takes it.
 */
export function listQuery(params: ListParams, offset: number, limit: number): ListQuery & { protocol?: Protocol } {
  return {
    ...(params.health ? { health: params.health } : {}),
    ...(params.protocol ? { protocol: params.protocol } : {}),
    ...(params.tag ? { tag: params.tag } : {}),
    ...(params.q ? { q: params.q } : {}),
    sort: params.sort,
    order: params.order,
    limit,
    offset,
  };
}

/** Reads the table's state from the URL (`?health=offline&protocol=a2a&tag=gpu&q=search&sort=trust_score&order=desc`), ignoring junk. */
export function paramsFromSearch(search: URLSearchParams): ListParams {
  const health = search.get("health");
  const protocol = search.get("protocol");
  const sort = search.get("sort");
  const order = search.get("order");
  const validSort = (SORTS as readonly string[]).includes(sort ?? "") ? (sort as ListSort) : DEFAULT_PARAMS.sort;
  return {
    health: (HEALTH_ORDER as readonly string[]).includes(health ?? "") ? (health as HealthStatus) : null,
    protocol: (PROTOCOLS as readonly string[]).includes(protocol ?? "") ? (protocol as Protocol) : null,
    tag: search.get("tag") || null,
    q: search.get("q") ?? "",
    sort: validSort,
    order: order === "asc" || order === "desc" ? order : DEFAULT_ORDER[validSort],
  };
}

export function searchFromParams(params: ListParams): URLSearchParams {
  const search = new URLSearchParams();
  if (params.health) search.set("health", params.health);
  if (params.protocol) search.set("protocol", params.protocol);
  if (params.tag) search.set("tag", params.tag);
  if (params.q) search.set("q", params.q);
  if (params.sort !== DEFAULT_PARAMS.sort) search.set("sort", params.sort);
  if (params.order !== DEFAULT_ORDER[params.sort]) search.set("order", params.order);
  return search;
}
