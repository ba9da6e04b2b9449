import { describe, expect, it } from "vitest";
import { agent, at, deregistered, healthChanged, registered, trustChanged, updated } from "../test/factories";
import { DEFAULT_PARAMS, type ListParams } from "./fleet-view";
import { mayAffectWindow, pagesToFetch, rowsFromPages, rowsToRender, spacers, windowChanges, type HeldWindow } from "./list-window";

describe("rowsToRender", () => {
  const viewport = { scrollTop: 0, height: 450, rowHeight: 45, total: 20_000 };
  it("renders the rows on screen plus the overscan, never past either end", () => {
    expect(rowsToRender(viewport, 8)).toEqual({ start: 0, end: 18 });
    expect(rowsToRender({ ...viewport, scrollTop: 45 * 1000 }, 8)).toEqual({ start: 992, end: 1018 });
    expect(rowsToRender({ ...viewport, scrollTop: 45 * 19_995 }, 8)).toEqual({ start: 19_987, end: 20_000 });
    expect(rowsToRender({ ...viewport, total: 3 }, 8)).toEqual({ start: 0, end: 3 });
  });
  it("keeps the DOM small whatever the fleet's size", () => {
    for (const total of [20_000, 100_000, 1_000_000]) {
      const { start, end } = rowsToRender({ ...viewport, total, scrollTop: 45 * (total / 2) });
      expect(end - start).toBeLessThan(30);
    }
  });
  it("renders nothing for an empty answer or before a row height is known, and clamps a scroll past the end", () => {
    expect(rowsToRender({ ...viewport, total: 0 })).toEqual({ start: 0, end: 0 });
    expect(rowsToRender({ ...viewport, rowHeight: 0 })).toEqual({ start: 0, end: 0 });
    const past = rowsToRender({ ...viewport, total: 10, scrollTop: 45 * 500 }, 8);
    expect(past.start).toBeLessThan(past.end);
    expect(past.end).toBe(10);
  });
});

describe("pagesToFetch", () => {
  it("asks for the aligned pages that cover the rows, one or two at a time", () => {
    expect(pagesToFetch({ start: 0, end: 18 }, 100)).toEqual([0]);
    expect(pagesToFetch({ start: 92, end: 118 }, 100)).toEqual([0, 100]);
    expect(pagesToFetch({ start: 19_987, end: 20_000 }, 100)).toEqual([19_900]);
    expect(pagesToFetch({ start: 0, end: 0 }, 100)).toEqual([0]);
  });
});

describe("spacers and rowsFromPages", () => {
  it("stand for the rows not rendered, so the scroll height is the whole list's", () => {
    const range = { start: 992, end: 1018 };
    const { top, bottom } = spacers(range, 20_000, 45);
    expect(top + (range.end - range.start) * 45 + bottom).toBe(20_000 * 45);
    expect(top).toBe(992 * 45);
  });
  it("takes each row from its page, leaving a hole where a page has not arrived", () => {
    const pages = new Map([[0, Array.from({ length: 100 }, (_, i) => agent(`r${i}`))]]);
    const rows = rowsFromPages({ start: 98, end: 102 }, pages, 100);
    expect(rows.map((r) => r?.id)).toEqual(["r98", "r99", undefined, undefined]);
  });
});

describe("mayAffectWindow", () => {
  const byName: ListParams = DEFAULT_PARAMS;
  const window = (names: string[], reachesEnd = false): HeldWindow => {
    const rows = names.map((n) => agent(n, { name: n }));
    return { ids: new Set(rows.map((r) => r.id)), last: rows.at(-1) ?? null, reachesEnd };
  };
  const held = window(["b", "c", "d"]);

  it("refetches for any change to a row on screen", () => {
    expect(mayAffectWindow(updated(agent("c", { name: "c" })), held, byName)).toBe(true);
    expect(mayAffectWindow(deregistered("c", 1), held, byName)).toBe(true);
  });
  it("refetches for a new agent that sorts into or before the window, not after it", () => {
    expect(mayAffectWindow(registered(agent("a", { name: "a" })), held, byName)).toBe(true);
    expect(mayAffectWindow(registered(agent("cc", { name: "cc" })), held, byName)).toBe(true);
    expect(mayAffectWindow(registered(agent("z", { name: "z" })), held, byName)).toBe(false);
    expect(mayAffectWindow(registered(agent("z", { name: "z" })), window(["b", "c"], true), byName)).toBe(true);
  });
  it("skips an agent outside the filter, unless the event says it was inside before", () => {
    const healthy: ListParams = { ...byName, health: "healthy" };
    expect(mayAffectWindow(registered(agent("a", { name: "a", health_status: "offline" })), held, healthy)).toBe(false);
    expect(mayAffectWindow(healthChanged(agent("a", { name: "a", health_status: "offline" }), "degraded"), held, healthy)).toBe(false);
    expect(mayAffectWindow(healthChanged(agent("a", { name: "a", health_status: "offline" }), "healthy"), held, healthy)).toBe(true);
    expect(mayAffectWindow(registered(agent("a", { name: "a", tags: ["gpu"] })), held, { ...byName, tag: "GPU" })).toBe(true);
    expect(mayAffectWindow(registered(agent("a", { name: "a" })), held, { ...byName, q: "needle" })).toBe(false);
  });
  it("follows a trust sort: a score moving into the window, or out of it, refetches", () => {
    const byTrust: ListParams = { ...byName, sort: "trust_score", order: "desc" };
    const top = { ids: new Set(["x"]), last: agent("x", { trust_score: 0.8 }), reachesEnd: false };
    expect(mayAffectWindow(trustChanged(agent("y", { trust_score: 0.9 }), 0.3), top, byTrust)).toBe(true);
    expect(mayAffectWindow(trustChanged(agent("y", { trust_score: 0.3 }), 0.85), top, byTrust)).toBe(true);
    expect(mayAffectWindow(trustChanged(agent("y", { trust_score: 0.3 }), 0.31), top, byTrust)).toBe(false);
  });
  it("refetches when it cannot know: an update whose old fields are not in the event, a deregistration, a time sort", () => {
    expect(mayAffectWindow(updated(agent("z", { name: "z" })), held, byName)).toBe(true);
    expect(mayAffectWindow(deregistered("zz", 3), held, byName)).toBe(true);
    const byUpdate: ListParams = { ...byName, sort: "updated_at", order: "desc" };
    expect(mayAffectWindow(healthChanged(agent("q", { updated_at: at(1) }), "healthy"), { ...held, last: agent("d", { updated_at: at(50) }) }, byUpdate)).toBe(true);
  });
});

describe("windowChanges", () => {
  it("names the rows that entered and the rows that left between two answers", () => {
    const [a, b, c, d] = ["a", "b", "c", "d"].map((id) => agent(id));
    expect(windowChanges([a, b, c], [a, c, d])).toEqual({ entered: ["d"], left: [b] });
    expect(windowChanges([a, b], [b, a])).toEqual({ entered: [], left: [] });
  });
});
