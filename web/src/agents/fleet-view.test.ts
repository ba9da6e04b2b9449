import { describe, expect, it } from "vitest";
import { agent, at, fleetOf } from "../test/factories";
import { DEFAULT_PARAMS, paramsFromSearch, searchFromParams, selectAgents, totals } from "./fleet-view";

const ids = (agents: { id: string }[]) => agents.map((a) => a.id);

describe("the search box", () => {
  const a = agent("ocr-3", { name: "Document OCR", description: "Reads scans", provider: "Acme", tags: ["vision"], skills: [{ name: "tables", description: "", tags: ["csv"] }] });
  const shown = (q: string) => ids(selectAgents(fleetOf([a]).agents, { ...DEFAULT_PARAMS, q }));
  it("means what the server's `q` means: one substring of id, name, description, provider, tags or skills, any case", () => {
    for (const q of ["document", "OCR-3", "scans", "acme", "vision", "tables", "csv", "ment oc"]) expect(shown(q), q).toEqual(["ocr-3"]);
    expect(shown("doc vis")).toEqual([]);
    expect(shown("")).toEqual(["ocr-3"]);
  });
});

describe("selectAgents", () => {
  const agents = fleetOf([
    agent("b", { name: "beta", trust_score: 0.7, created_at: at(2), updated_at: at(9) }),
    agent("a", { name: "Alpha", trust_score: 0.7, created_at: at(1), updated_at: at(5), health_status: "offline" }),
    agent("c", { name: "gamma 10", trust_score: 0.2, created_at: at(3), updated_at: at(1) }),
    agent("d", { name: "gamma 9", trust_score: 0.9, created_at: at(4), updated_at: at(2) }),
  ]).agents;

  it("sorts by name naturally, ignoring case", () => {
    expect(ids(selectAgents(agents, DEFAULT_PARAMS))).toEqual(["a", "b", "d", "c"]);
  });
  it("sorts by trust, breaking ties by id", () => {
    expect(ids(selectAgents(agents, { ...DEFAULT_PARAMS, sort: "trust_score", order: "desc" }))).toEqual(["d", "a", "b", "c"]);
  });
  it("sorts by last update and by registration", () => {
    expect(ids(selectAgents(agents, { ...DEFAULT_PARAMS, sort: "updated_at", order: "desc" }))).toEqual(["b", "a", "d", "c"]);
    expect(ids(selectAgents(agents, { ...DEFAULT_PARAMS, sort: "created_at", order: "asc" }))).toEqual(["a", "b", "c", "d"]);
  });
  it("filters by health and search together", () => {
    expect(ids(selectAgents(agents, { ...DEFAULT_PARAMS, health: "healthy", q: "gamma" }))).toEqual(["d", "c"]);
    expect(ids(selectAgents(agents, { ...DEFAULT_PARAMS, health: "offline" }))).toEqual(["a"]);
  });
});

describe("totals", () => {
  it("counts by health and tier, with zeros for the rest", () => {
    const t = totals(fleetOf([agent("a"), agent("b", { health_status: "offline", trust_tier: "elite" })]));
    expect(t).toEqual({
      total: 2,
      byHealth: { healthy: 1, degraded: 0, unhealthy: 0, offline: 1, unknown: 0 },
      byTier: { elite: 1, reliable: 1, experimental: 0 },
    });
  });
});

describe("URL state", () => {
  it("round-trips, leaves defaults out and ignores junk", () => {
    const params = { health: "degraded" as const, q: "gpu", sort: "trust_score" as const, order: "asc" as const };
    const search = searchFromParams(params);
    expect(search.toString()).toBe("health=degraded&q=gpu&sort=trust_score&order=asc");
    expect(paramsFromSearch(search)).toEqual(params);
    expect(searchFromParams(DEFAULT_PARAMS).toString()).toBe("");
    expect(paramsFromSearch(new URLSearchParams("health=sleepy&sort=size&order=up"))).toEqual(DEFAULT_PARAMS);
    expect(paramsFromSearch(new URLSearchParams("sort=trust_score")).order).toBe("desc");
  });
});
