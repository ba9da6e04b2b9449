import { describe, expect, it } from "vitest";
import { displayWidth } from "../../shared/terminal.js";
import { createStyle, stripAnsi } from "../style.js";
import { progressLine, summaryLines } from "./progress.js";
import type { SimulationSummary } from "./simulation.js";

const busy: SimulationSummary = {
  seed: "123456789",
  agents: 1000,
  registered: 1000,
  failed_registrations: [{ id: "x", code: "conflict\x1b[2J", detail: "taken\r\x1b[31mFAKE" }],
  deregistered: 0,
  heartbeats: 1_234_567,
  reports: { success: 100_000, failure: 20_000, timeout: 3_000 },
  skipped_reports: 0,
  rate_limited: 3,
  transitions: { healthy: 10, degraded: 10, unhealthy: 10, silent: 10 },
  states: { healthy: 950, degraded: 30, unhealthy: 15, silent: 5 },
  errors: { unreachable: 12 },
  elapsed_ms: 3_599_000,
  probes: "off",
  card_server: null,
  unreachable: 0,
  cuts: 0,
};

describe("progress line", () => {
  it.each([200, 120, 80, 60, 40, 20])("fits %i columns", (width) => {
    const line = progressLine(busy, createStyle(true), width - 1);
    expect(displayWidth(line), stripAnsi(line)).toBeLessThan(width);
  });

  it("says everything when there is room, and the same counters shorter at 80 columns", () => {
    const wide = progressLine(busy, createStyle(false));
    expect(wide).toBe("59:59 · 1000/1000 agents · 950 healthy 30 degraded 15 unhealthy 5 silent · 1234567 heartbeats · 123000 reports · 12 errors");
    expect(progressLine(busy, createStyle(false), 100)).toBe("59:59 · 1000/1000 agents · 950 ok 30 deg 15 unh 5 off · 1.2M hb · 123k rep · 12 err");
    expect(progressLine(busy, createStyle(false), 79)).toBe("59:59 · 1000/1000 agents · 950 ok 30 deg 15 unh 5 off · 12 err");
    const fifty = { ...busy, agents: 50, registered: 50, heartbeats: 230, reports: { success: 500, failure: 10, timeout: 2 }, errors: {}, elapsed_ms: 42_000, states: { healthy: 45, degraded: 3, unhealthy: 1, silent: 1 } };
    expect(progressLine(fifty, createStyle(false), 79)).toBe("00:42 · 50/50 agents · 45 ok 3 deg 1 unh 1 off · 230 hb · 512 rep · 0 err");
  });

  it("counts the agents not answering probes when probes are on, and says where the cards are served", () => {
    const probed = { ...busy, probes: "on" as const, card_server: "http://127.0.0.1:4000", unreachable: 7, cuts: 9 };
    expect(progressLine(probed, createStyle(false))).toContain("5 silent · 7 unreachable · 1234567 heartbeats");
    expect(summaryLines(probed, createStyle(false))).toContain("  probes        cards and health endpoints at http://127.0.0.1:4000; 9 cut-offs (agents that stopped answering probes)");
    expect(summaryLines({ ...busy, probes: "refused" }, createStyle(false)).join("\n")).toContain("refused by the registry");
  });

  it("shows the server's words escaped in the summary", () => {
    const text = summaryLines(busy, createStyle(false)).join("\n");
    expect(text).toContain("taken\\r\\x1b[31mFAKE (conflict\\x1b[2J)");
    expect(text).toContain("3 answers of 429 waited out");
  });
});
