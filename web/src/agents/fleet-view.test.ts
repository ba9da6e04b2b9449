import { describe, expect, it } from "vitest";
import { DEFAULT_PARAMS, listQuery, paramsFromSearch, searchFromParams, totals } from "./fleet-view";

describe("totals", () => {
  it("come from /stats, with zeros for states it does not name", () => {
    const t = totals({ agents: { total: 2, by_health: { healthy: 1, offline: 1 } as never, by_tier: { elite: 1, reliable: 1 } as never } });
    expect(t).toEqual({
      total: 2,
      byHealth: { healthy: 1, degraded: 0, unhealthy: 0, offline: 1, unknown: 0 },
      byTier: { elite: 1, reliable: 1, experimental: 0 },
    });
  });
});

describe("listQuery", () => {
  it("asks the list API for one page with the table's filters and sort, leaving unset filters out", () => {
    expect(listQuery(DEFAULT_PARAMS, 200, 100)).toEqual({ sort: "name", order: "asc", limit: 100, offset: 200 });
    expect(listQuery({ ...DEFAULT_PARAMS, health: "offline", tag: "gpu", protocol: "a2a", q: "ocr", sort: "trust_score", order: "desc" }, 0, 50)).toEqual({
      health: "offline",
      tag: "gpu",
      protocol: "a2a",
      q: "ocr",
      sort: "trust_score",
      order: "desc",
      limit: 50,
      offset: 0,
    });
  });
});

describe("URL state", () => {
  it("round-trips, leaves defaults out and ignores junk", () => {
    const params = { health: "degraded" as const, protocol: "mcp" as const, tag: "vision", q: "gpu", sort: "trust_score" as const, order: "asc" as const };
    const search = searchFromParams(params);
    expect(search.toString()).toBe("health=degraded&protocol=mcp&tag=vision&q=gpu&sort=trust_score&order=asc");
    expect(paramsFromSearch(search)).toEqual(params);
    expect(searchFromParams(DEFAULT_PARAMS).toString()).toBe("");
    expect(paramsFromSearch(new URLSearchParams("health=sleepy&protocol=smoke&tag=&sort=size&order=up"))).toEqual(DEFAULT_PARAMS);
    expect(paramsFromSearch(new URLSearchParams("sort=trust_score")).order).toBe("desc");
  });
});
