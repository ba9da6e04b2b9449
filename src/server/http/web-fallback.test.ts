import { describe, expect, it } from "vitest";
import { servesDashboard } from "./web-fallback.js";

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("the dashboard's fallback", () => {
  it("serves a browser's navigation to the dashboard's own routes", () => {
    expect(servesDashboard("GET", "/", BROWSER)).toBe(true);
    expect(servesDashboard("GET", "/agents/summarizer-1", BROWSER)).toBe(true);
    // Agent ids may hold dots: an agent's page is not a file.
    expect(servesDashboard("GET", "/agents/summarizer.v2", BROWSER)).toBe(true);
    expect(servesDashboard("HEAD", "/agents/a%3Ab/", BROWSER)).toBe(true);
  });

  it("is a 404 for everything else", () => {
    for (const path of ["/.well-known/agent-card.json", "/.well-known/agent.json", "/favicon.ico", "/assets/missing.js", "/robots.txt", "/agents", "/agents/a/card", "/settings", "/api/v1/nope"]) {
      expect(servesDashboard("GET", path, BROWSER), path).toBe(false);
    }
    expect(servesDashboard("POST", "/agents/a", BROWSER)).toBe(false);
  });

  it("only to browsers: a client that does not ask for HTML gets the 404", () => {
    expect(servesDashboard("GET", "/agents/a", "*/*")).toBe(false);
    expect(servesDashboard("GET", "/agents/a", "application/json")).toBe(false);
    expect(servesDashboard("GET", "/agents/a", undefined)).toBe(false);
  });
});
