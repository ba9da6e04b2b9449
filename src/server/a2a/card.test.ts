/**
 * A2A cards of both versions: validation (every fault named by its path) and
 * the mapping onto AgentMesh cards and back. Fixtures follow the
 * specification's examples (test/fixtures/a2a).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentCard, type Agent } from "../../shared/agent.js";
import { validatorCompiler } from "../http/validation.js";
import { fromA2ACard, interfacesOf, suggestAgentId, toA2ACard } from "./map-card.js";
import { MAX_CARD_FAULTS, parseA2ACard } from "./parse-card.js";
import type { A2ACard } from "./types.js";

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "a2a", name), "utf8"));
const V1 = fixture("card-v1.json");
const V03 = fixture("card-v03.json");
const validCard = validatorCompiler()({ schema: AgentCard, httpPart: "body", method: "POST", url: "/" } as never);
const expectAgentMeshCard = (card: object) => {
  const ok = validCard({ id: "x", ...card });
  expect((validCard as unknown as { errors: unknown }).errors ?? null).toBeNull();
  expect(ok).toBe(true);
};
const faultsOf = (json: unknown) => {
  const r = parseA2ACard(json);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.faults;
};
/** The fixture with changes; `undefined` removes a field. */
const edit = (base: Record<string, unknown>, changes: Record<string, unknown>) => {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete out[k];
  else out[k] = v;
  return out;
};

describe("parseA2ACard", () => {
  it("accepts the current version (supportedInterfaces) and the previous one (url, preferredTransport)", () => {
    expect(parseA2ACard(V1)).toMatchObject({ ok: true, version: "1.0", card: { name: "GeoSpatial Route Planner Agent" } });
    expect(parseA2ACard(V03)).toMatchObject({ ok: true, version: "0.3", card: { name: "Recipe Agent" } });
    // A 0.2-era card: no protocolVersion, no preferredTransport (JSONRPC by default).
    expect(parseA2ACard(edit(V03, { protocolVersion: undefined, preferredTransport: undefined, additionalInterfaces: undefined }))).toMatchObject({ ok: true, version: "0.3" });
    // Unknown fields are kept: cards are extensible.
    expect(parseA2ACard(edit(V1, { "x-vendor": { anything: 1 } }))).toMatchObject({ ok: true, card: { "x-vendor": { anything: 1 } } });
    expect(parseA2ACard(edit(V1, { iconUrl: "data:image/png;base64,iVBORw0KGgo=" }))).toMatchObject({ ok: true });
  });

  it("names each missing required field", () => {
    const faults = faultsOf(edit(V1, { name: undefined, version: undefined, capabilities: undefined, skills: undefined, defaultInputModes: undefined, supportedInterfaces: undefined }));
    expect(faults).toEqual(
      expect.arrayContaining([
        { path: "/supportedInterfaces", message: expect.stringContaining("is required (A2A 1.0; cards of 0.3 give url") },
        { path: "/name", message: "is required" },
        { path: "/version", message: "is required" },
        { path: "/capabilities", message: "is required" },
        { path: "/skills", message: "is required" },
        { path: "/defaultInputModes", message: "is required" },
      ]),
    );
    expect(faults).toHaveLength(6);
    expect(faultsOf(edit(V03, { url: undefined, description: undefined }))).toEqual([
      { path: "/supportedInterfaces", message: expect.stringContaining("is required") },
      { path: "/description", message: "is required" },
    ]);
  });

  it("names wrong types and bad values deep in the card", () => {
    const card = edit(V1, {
      supportedInterfaces: [{ url: "ftp://geo.example.com/a2a", protocolBinding: "JSONRPC" }, { url: "not a url", protocolBinding: "", protocolVersion: "1.0" }, "x"],
      provider: { organization: "Geo" },
      capabilities: { streaming: "yes" },
      defaultOutputModes: ["text/plain", 7],
      skills: [{ id: "a", name: "A", description: "d", tags: "maps" }, { id: "", name: "B", description: "d", tags: [], examples: [1] }],
      signatures: [{ protected: "x" }],
    });
    expect(faultsOf(card)).toEqual([
      { path: "/supportedInterfaces/0/url", message: "must be a http, https, ws, wss, grpc, grpcs URL" },
      { path: "/supportedInterfaces/0/protocolVersion", message: "is required" },
      { path: "/supportedInterfaces/1/url", message: "must be an absolute URL" },
      { path: "/supportedInterfaces/1/protocolBinding", message: "must not be empty" },
      { path: "/supportedInterfaces/2", message: "must be an object, not a string" },
      { path: "/provider/url", message: "is required" },
      { path: "/capabilities/streaming", message: "must be a boolean, not a string" },
      { path: "/defaultOutputModes/1", message: "must be a string, not a number" },
      { path: "/skills/0/tags", message: "must be an array, not a string" },
      { path: "/skills/1/id", message: "must not be empty" },
      { path: "/skills/1/examples/0", message: "must be a string, not a number" },
      { path: "/signatures/0/signature", message: "is required" },
    ]);
    expect(faultsOf(edit(V03, { url: "https://", preferredTransport: 3, additionalInterfaces: [{ url: "https://x.example" }] }))).toEqual([
      { path: "/url", message: "must be an absolute URL" },
      { path: "/preferredTransport", message: "must be a string, not a number" },
      { path: "/additionalInterfaces/0/transport", message: "is required" },
    ]);
    expect(faultsOf(edit(V1, { supportedInterfaces: [] }))).toEqual([{ path: "/supportedInterfaces", message: "must list at least one entry" }]);
  });

  it("refuses what is not an object, and bounds the faults it names", () => {
    expect(faultsOf([V1])).toEqual([{ path: "", message: "must be a JSON object, not an array" }]);
    expect(faultsOf(null)).toEqual([{ path: "", message: "must be a JSON object, not null" }]);
    const skills = Array.from({ length: 500 }, () => ({}));
    expect(faultsOf(edit(V1, { skills }))).toHaveLength(MAX_CARD_FAULTS);
  });
});

describe("fromA2ACard", () => {
  it("maps a 1.0 card: the first interface, provider, skills with ids, examples and modes", () => {
    const card = fromA2ACard(V1 as A2ACard);
    expect(card).toMatchObject({
      name: "GeoSpatial Route Planner Agent",
      version: "1.2.0",
      endpoint: "https://georoute-agent.example.com/a2a/v1",
      protocol: "a2a",
      provider: "Example Geo Services Inc.",
      metadata: { a2a: { protocol_binding: "JSONRPC", protocol_version: "1.0" } },
    });
    expect(card.skills![0]).toEqual({
      id: "route-optimizer-traffic",
      name: "Traffic-Aware Route Optimizer",
      description: expect.stringContaining("real-time traffic"),
      tags: ["maps", "routing", "navigation", "directions", "traffic"],
      examples: expect.arrayContaining([expect.stringContaining("avoiding tolls")]),
      input_modes: ["application/json", "text/plain"],
      output_modes: ["application/json", "application/vnd.geo+json", "text/html"],
    });
    expect(card.tags).toEqual(["maps", "routing", "navigation", "directions", "traffic", "customization", "visualization", "cartography"]);
    expectAgentMeshCard(card);
  });

  it("maps a 0.3 card: url and preferredTransport, additional interfaces after it", () => {
    const card = fromA2ACard(V03 as A2ACard);
    expect(card).toMatchObject({ name: "Recipe Agent", endpoint: "https://recipes.example.com/a2a/v1", protocol: "a2a", provider: "Example Kitchens", metadata: { a2a: { protocol_binding: "JSONRPC", protocol_version: "0.3.0" } } });
    expect(card.skills!.map((s) => s.id)).toEqual(["find-recipe", "convert-units"]);
    expect(interfacesOf(V03 as A2ACard).map((i) => i.protocolBinding)).toEqual(["JSONRPC", "GRPC", "HTTP+JSON"]);
    expect(interfacesOf(edit(V03, { preferredTransport: "GRPC", additionalInterfaces: undefined, url: "grpcs://recipes.example.com" }) as A2ACard)).toEqual([
      { url: "grpcs://recipes.example.com", protocolBinding: "GRPC", protocolVersion: "0.3.0" },
    ]);
    expectAgentMeshCard(card);
  });

  it("fits cards past AgentMesh's limits: long text cut, control characters, repeated names, too many skills", () => {
    const long = edit(V1, {
      name: `Geo\u0007Agent ${"x".repeat(300)}`,
      description: "d".repeat(5000),
      skills: Array.from({ length: 130 }, (_, i) => ({ id: `s${i}`, name: i < 3 ? "Route | plan" : `Skill ${i}`, description: "line\nbreak\u0000", tags: ["t\tab", "", "t\tab"] })),
    });
    const card = fromA2ACard(long as A2ACard);
    expect(card.name).toHaveLength(200);
    expect(card.name.startsWith("Geo Agent")).toBe(true);
    expect(card.name.endsWith("…")).toBe(true);
    expect(card.description).toHaveLength(2000);
    expect(card.skills).toHaveLength(100);
    expect(card.skills!.slice(0, 3).map((s) => s.name)).toEqual(["Route / plan", "Route / plan (s1)", "Route / plan (s2)"]);
    expect(card.skills![0]).toMatchObject({ description: "line\nbreak ", tags: ["t ab"] });
    expectAgentMeshCard(fromA2ACard(edit(V1, { supportedInterfaces: [{ url: "https://geo.example.com/a2a v1", protocolBinding: "JSONRPC", protocolVersion: "1.0" }] }) as A2ACard));
    expectAgentMeshCard(card);
  });

  it("suggests an id from the name", () => {
    expect(suggestAgentId({ name: "GeoSpatial Route Planner Agent" })).toBe("geospatial-route-planner-agent");
    expect(suggestAgentId({ name: "Café Ünïcode — v2.0" })).toBe("cafe-unicode-v2.0");
    expect(suggestAgentId({ name: "!!!" })).toBe("a2a-agent");
  });
});

describe("toA2ACard", () => {
  const agent: Pick<Agent, "name" | "description" | "version" | "endpoint" | "protocol" | "skills" | "provider" | "metadata"> = {
    name: "Summarizer",
    description: "Summarizes text",
    version: "2.1.0",
    endpoint: "https://summarize.example.com/rpc",
    protocol: "a2a",
    skills: [{ name: "summarize", description: "Short summaries", tags: ["nlp"] }, { id: "tr", name: "translate", description: "", examples: ["to French"], input_modes: ["text/plain"] }],
    provider: "Acme",
    metadata: null,
  };

  it("gives a native registration a current card that parses as one", () => {
    const card = toA2ACard(agent);
    expect(card).toEqual({
      name: "Summarizer",
      description: "Summarizes text",
      version: "2.1.0",
      supportedInterfaces: [{ url: "https://summarize.example.com/rpc", protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
      provider: { organization: "Acme", url: "https://summarize.example.com" },
      capabilities: {},
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [
        { id: "summarize", name: "summarize", description: "Short summaries", tags: ["nlp"] },
        { id: "tr", name: "translate", description: "", tags: [], examples: ["to French"], inputModes: ["text/plain"] },
      ],
    });
    expect(parseA2ACard(card)).toMatchObject({ ok: true, version: "1.0" });
  });

  it("names the binding of other protocols, and keeps what a mapped A2A card said", () => {
    expect(toA2ACard({ ...agent, protocol: "grpc", endpoint: "grpcs://g.example.com:443", provider: "G" })).toMatchObject({
      supportedInterfaces: [{ protocolBinding: "GRPC" }],
      provider: { url: "https://g.example.com:443" },
    });
    expect(toA2ACard({ ...agent, protocol: "mcp" }).supportedInterfaces[0].protocolBinding).toBe("MCP");
    const mapped = fromA2ACard(V03 as A2ACard);
    const back = toA2ACard({ ...mapped, provider: mapped.provider ?? null, metadata: mapped.metadata ?? null, skills: mapped.skills ?? [] });
    expect(back.supportedInterfaces).toEqual([{ url: "https://recipes.example.com/a2a/v1", protocolBinding: "JSONRPC", protocolVersion: "0.3.0" }]);
    expect(back.skills.map((s) => s.id)).toEqual(["find-recipe", "convert-units"]);
    expect(parseA2ACard(back).ok).toBe(true);
  });
});
