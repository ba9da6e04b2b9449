/**
 * Tags and skill names are matched exactly by the `tag` and `skill` filters,
 * through a `|a|b|` index in both stores. A `|` inside a value would split it
 * there: an agent tagged "blue|green" was listed by `tag=green`, and
 * `tag=blue|green` listed an agent tagged "blue" and "green". So `|` is
 * refused in tags, skill names and those filters, the same way on SQLite and
 * PostgreSQL, and every filter lists only what it names.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, api, card, register, type TestServer } from "../helpers.js";
import { STORES, startOn, type AbuseServer } from "../abuse/support.js";

const servers = new Map<string, AbuseServer>();

beforeAll(async () => {
  for (const kind of STORES) {
    const server = await startOn(kind);
    servers.set(kind, server);
    await register(server.url, "two-tags", { tags: ["blue", "green"], skills: [{ name: "read", description: "" }, { name: "write", description: "" }] });
  }
}, 60_000);

afterAll(async () => {
  for (const s of servers.values()) await (s as TestServer).destroy();
});

describe.each(STORES)("| in tags and skill names (%s)", (kind) => {
  const url = () => servers.get(kind)!.url;

  it.each([
    ["a tag", { tags: ["blue|green"] }, "body.tags[0]"],
    ["a skill name", { skills: [{ name: "read|write", description: "" }] }, "body.skills[0].name"],
  ])("%s holding | is refused on register with 400 validation_failed, and nothing is written", async (_what, extra, pointer) => {
    const r = await api(url(), "POST", "/api/v1/agents", card("piped", extra));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("validation_failed");
    expect(JSON.stringify(r.body.errors)).toContain(pointer);
    expect((await api(url(), "GET", "/api/v1/agents/piped")).status).toBe(404);
  });

  it("and on update", async () => {
    const r = await api(url(), "PATCH", "/api/v1/agents/two-tags", { tags: ["blue|green"] }, ADMIN);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("validation_failed");
    expect((await api(url(), "GET", "/api/v1/agents/two-tags")).body.tags).toEqual(["blue", "green"]);
  });

  it.each([
    ["tag", "blue|green"],
    ["skill", "read|write"],
  ])("the %s filter holding | is refused with 400 validation_failed, not matched across two values", async (param, value) => {
    const r = await api(url(), "GET", `/api/v1/agents?${param}=${encodeURIComponent(value)}`);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("validation_failed");
  });

  it("plain tags and skill names still register and filter exactly", async () => {
    expect((await api(url(), "GET", "/api/v1/agents?tag=green")).body.agents.map((a: any) => a.id)).toEqual(["two-tags"]);
    expect((await api(url(), "GET", "/api/v1/agents?skill=write")).body.agents.map((a: any) => a.id)).toEqual(["two-tags"]);
    expect((await api(url(), "GET", "/api/v1/agents?tag=gre")).body.agents).toEqual([]);
  });
});
