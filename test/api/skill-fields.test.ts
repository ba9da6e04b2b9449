/**
 * The skill fields that come from A2A cards (id, examples, input_modes,
 * output_modes) are optional on every registration, kept by both stores, and
 * bounded like the rest of the card.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, register, type TestServer } from "../helpers.js";
import { STORES, startOn, type AbuseServer } from "../abuse/support.js";

const servers = new Map<string, AbuseServer>();
beforeAll(async () => {
  for (const kind of STORES) servers.set(kind, await startOn(kind));
}, 60_000);
afterAll(async () => {
  for (const s of servers.values()) await (s as TestServer).destroy();
});

const skill = {
  id: "route-optimizer-traffic",
  name: "Traffic-Aware Route Optimizer",
  description: "Optimal routes with live traffic",
  tags: ["maps"],
  examples: ["Plan a route from A to B avoiding tolls."],
  input_modes: ["application/json", "text/plain"],
  output_modes: ["application/vnd.geo+json"],
};

describe.each(STORES)("A2A skill fields (%s)", (kind) => {
  const url = () => servers.get(kind)!.url;

  it("are kept as registered and given back", async () => {
    await register(url(), "geo-route", { skills: [skill, { name: "plain", description: "" }] });
    const got = await api(url(), "GET", "/api/v1/agents/geo-route");
    expect(got.status).toBe(200);
    expect(got.body.skills).toEqual([skill, { name: "plain", description: "" }]);
  });

  it("are bounded: a 400 naming the field, and nothing registered", async () => {
    const bad = await api(url(), "POST", "/api/v1/agents", {
      id: "geo-bad",
      name: "Geo",
      version: "1",
      description: "",
      endpoint: "https://geo.example.com",
      protocol: "a2a",
      skills: [{ ...skill, examples: Array(11).fill("x"), input_modes: [""] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(["body.skills[0].examples", "body.skills[0].input_modes[0]"]);
    expect((await api(url(), "GET", "/api/v1/agents/geo-bad")).status).toBe(404);
  });
});
