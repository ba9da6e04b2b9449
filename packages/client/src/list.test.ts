import { describe, expect, it } from "vitest";
import { DEFAULT_ORDER, DEFAULT_SORT, matchesText, searchText } from "./list.js";

const agent = {
  id: "billing-7",
  name: "Invoice Reader",
  description: "Reads PDF invoices",
  provider: "Acme",
  tags: ["finance", "ocr"],
  skills: [{ name: "extract", description: "", tags: ["tables"] }],
};

describe("text search", () => {
  it("looks in id, name, description, provider, tags and skills, ignoring case", () => {
    for (const q of ["billing", "INVOICE", "pdf inv", "acme", "finance", "extract", "tables"]) expect(matchesText(agent, q), q).toBe(true);
  });

  it("matches the whole query as one substring, not term by term, and not across two fields", () => {
    expect(matchesText(agent, "invoice finance")).toBe(false);
    expect(matchesText(agent, "readerreads")).toBe(false);
    expect(matchesText(agent, "nowhere")).toBe(false);
  });

  it("matches every agent with an empty query, and agents without a provider", () => {
    expect(matchesText(agent, "")).toBe(true);
    expect(matchesText({ ...agent, provider: null }, "acme")).toBe(false);
    expect(searchText({ ...agent, provider: null })).not.toContain("null");
  });
});

describe("the default sort", () => {
  it("is by name, A to Z; trust and times highest first", () => {
    expect(DEFAULT_SORT).toBe("name");
    expect(DEFAULT_ORDER).toEqual({ name: "asc", trust_score: "desc", updated_at: "desc", created_at: "desc" });
  });
});
