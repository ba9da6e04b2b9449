/**
 * One meaning of text search: `GET /agents?q=` on both stores lists exactly
 * the agents the client package's `matchesText()` matches (the dashboard
 * filters its live copy of the list with that function), and the default sort
 * is the client's `DEFAULT_SORT` in its `DEFAULT_ORDER`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ORDER, DEFAULT_SORT, matchesText, type Agent } from "@agentmesh/client";
import { api, card, register, type TestServer } from "../helpers.js";
import { STORES, startOn, type AbuseServer } from "../abuse/support.js";

const servers = new Map<string, AbuseServer>();

const CARDS = [
  card("ocr-3", { name: "Document OCR", description: "Reads scanned PDFs", provider: "Acme Labs", tags: ["vision"], skills: [{ name: "tables", description: "", tags: ["csv"] }] }),
  card("billing-7", { name: "Invoice reader", description: "Finance helper", tags: ["finance", "ocr"] }),
  card("Zeta", { name: "zeta", description: "Ünïcode Straße" }),
];

const QUERIES = ["ocr", "OCR", "document ocr", "doc vis", "acme", "labs", "pdfs", "csv", "tables", "finance helper", "invoice", "ZETA", "straße", "a", "nothing-here", "reader finance"];

beforeAll(async () => {
  for (const kind of STORES) {
    const server = await startOn(kind);
    servers.set(kind, server);
    for (const c of CARDS) await register(server.url, c.id, c);
  }
}, 60_000);

afterAll(async () => {
  for (const s of servers.values()) await (s as TestServer).destroy();
});

describe.each(STORES)("text search and the default sort (%s)", (kind) => {
  const url = () => servers.get(kind)!.url;

  it("lists for q exactly the agents matchesText() matches", async () => {
    const all: Agent[] = (await api(url(), "GET", "/api/v1/agents")).body.agents;
    expect(all).toHaveLength(CARDS.length);
    for (const q of QUERIES) {
      const listed = (await api(url(), "GET", `/api/v1/agents?q=${encodeURIComponent(q)}`)).body.agents.map((a: Agent) => a.id).sort();
      expect(listed, q).toEqual(all.filter((a) => matchesText(a, q)).map((a) => a.id).sort());
    }
  });

  it("sorts by DEFAULT_SORT in DEFAULT_ORDER when asked for neither", async () => {
    const plain = (await api(url(), "GET", "/api/v1/agents")).body.agents.map((a: Agent) => a.id);
    const explicit = (await api(url(), "GET", `/api/v1/agents?sort=${DEFAULT_SORT}&order=${DEFAULT_ORDER[DEFAULT_SORT]}`)).body.agents.map((a: Agent) => a.id);
    expect(plain).toEqual(explicit);
  });
});
