import { describe, expect, it } from "vitest";
import type { Agent } from "../shared/agent.js";
import type { RegistryEvent } from "../shared/events.js";
import { describeReset, formatEvent, relativeTime, table } from "./format.js";
import { displayWidth } from "../shared/terminal.js";
import { createStyle, stripAnsi } from "./style.js";

const plain = createStyle(false);
const agent = { id: "billing-7", name: "Billing", version: "1.2.0", protocol: "mcp", skills: [{ name: "pay", description: "" }], tags: ["finance"], revision: 4 } as unknown as Agent;
const at = "2030-01-02T03:04:05.006Z";

describe("formatEvent", () => {
  it("says what changed for each type", () => {
    const line = (e: RegistryEvent) => formatEvent({ ...e, id: 42 }, plain).replace(/^\S+/, "T");
    expect(line({ type: "agent_health_changed", agent_id: "billing-7", timestamp: at, status: "offline", previous_status: "healthy", message: null, agent }))
      .toBe("T     #42  health        billing-7  healthy → offline");
    expect(line({ type: "trust_score_changed", agent_id: "billing-7", timestamp: at, score: 0.61, previous_score: 0.52, tier: "reliable", reason: "success reported by x", agent }))
      .toBe("T     #42  trust         billing-7  trust 0.52 → 0.61 (reliable)  success reported by x");
    expect(line({ type: "trust_score_changed", agent_id: "billing-7", timestamp: at, score: 0.504, previous_score: 0.501, tier: "reliable", reason: "", agent }))
      .toContain("trust 0.501 → 0.504 (reliable)");
    expect(line({ type: "agent_registered", agent_id: "billing-7", timestamp: at, agent })).toBe('T     #42  registered    billing-7  "Billing" v1.2.0 · mcp · 1 skill · finance');
    expect(line({ type: "agent_updated", agent_id: "billing-7", timestamp: at, changed: ["version", "tags"], agent })).toBe("T     #42  updated       billing-7  changed version, tags (revision 4)");
    expect(line({ type: "agent_deregistered", agent_id: "billing-7", timestamp: at, revision: 9, reason: "deregistered" })).toBe("T     #42  deregistered  billing-7  removed at revision 9");
    expect(line({ type: "agent_deregistered", agent_id: "billing-7", timestamp: at, revision: 9, reason: "reaped" })).toBe(
      "T     #42  deregistered  billing-7  removed at revision 9 (reaped: offline for --deregister-after)",
    );
  });

  it("colours only when asked, and the colours carry no extra text", () => {
    const e: RegistryEvent = { type: "agent_health_changed", agent_id: "a", timestamp: at, status: "degraded", previous_status: "healthy", message: "slow", agent };
    const coloured = formatEvent(e, createStyle(true));
    expect(coloured).toContain("\x1b[33mdegraded\x1b[39m");
    expect(stripAnsi(coloured)).toBe(formatEvent(e, plain));
    expect(formatEvent(e, plain)).not.toContain("\x1b");
  });

  it("explains resets", () => {
    expect(describeReset({ type: "reset", reason: "history_pruned", requested: 10, cursor: 500 })).toContain("after #10 are no longer");
    expect(describeReset({ type: "reset", reason: "unknown_event_id", requested: 900, cursor: 5 })).toContain("Continuing live after #5");
  });
});

describe("relativeTime and table", () => {
  it("writes ages briefly", () => {
    const now = Date.parse(at);
    expect(relativeTime(null, now)).toBe("never");
    expect(relativeTime(new Date(now - 3_000).toISOString(), now)).toBe("3s ago");
    expect(relativeTime(new Date(now - 5 * 60_000).toISOString(), now)).toBe("5m ago");
    expect(relativeTime(new Date(now - 3 * 86_400_000).toISOString(), now)).toBe("3d ago");
  });

  it("sizes columns to content and truncates long cells", () => {
    const lines = table([{ a: "x", b: "a-very-long-value" }, { a: "longer", b: "y" }], [{ title: "A", text: (r) => r.a }, { title: "B", text: (r) => r.b, max: 8 }], plain);
    expect(lines).toEqual(["A       B", "x       a-very-…", "longer  y"]);
  });
});

describe("hostile text in human output", () => {
  it("shows control and bidi characters of every field of an event escaped", () => {
    const evil = { ...agent, name: "X\x1b[2J\x1b[H", version: "1\r\0", tags: ["a\u202eb"] } as unknown as Agent;
    const lines = [
      formatEvent({ type: "agent_registered", agent_id: "id\x1b[31m", timestamp: at, agent: evil }, plain),
      formatEvent({ type: "agent_health_changed", agent_id: "a", timestamp: at, status: "degraded", previous_status: "healthy", message: "boom\rFAKE\x9b1A", agent }, createStyle(true)),
      formatEvent({ type: "trust_score_changed", agent_id: "a", timestamp: at, score: 0.6, previous_score: 0.5, tier: "reliable", reason: "x\u2066y", agent }, plain),
      formatEvent({ type: "agent_updated", agent_id: "a", timestamp: at, changed: ["name\x07"], agent }, plain),
    ];
    // Only our own colour sequences remain: ESC followed by "[<digits>m" and nothing else.
    for (const line of lines) expect(stripAnsi(line)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(lines[0]).toContain('"X\\x1b[2J\\x1b[H" v1\\r\\0');
    expect(lines[0]).toContain("a\\u202eb");
    expect(stripAnsi(lines[1])).toContain('"boom\\rFAKE\\x9b1A"');
  });
});

describe("table on a terminal", () => {
  type Row = { id: string; name: string; health: string; trust: string; beat: string; version: string; protocol: string; tags: string };
  const rows: Row[] = Array.from({ length: 5 }, (_, i) => ({
    id: `invoice-parser-with-a-long-id-${i}`,
    name: "Patient Invoice Parser Deluxe Edition",
    health: "unhealthy",
    trust: "0.53 experimental",
    beat: "59m ago",
    version: "1.6.15-beta.3",
    protocol: "websocket",
    tags: "finance,documents,eu-only,simulated",
  }));
  const columns = [
    { title: "ID", text: (r: Row) => r.id, max: 40, min: 24 },
    { title: "NAME", text: (r: Row) => r.name, max: 28, min: 10 },
    { title: "HEALTH", text: (r: Row) => r.health },
    { title: "TRUST", text: (r: Row) => r.trust },
    { title: "HEARTBEAT", text: (r: Row) => r.beat, drop: 1 },
    { title: "VERSION", text: (r: Row) => r.version, max: 14, min: 7, drop: 2 },
    { title: "PROTOCOL", text: (r: Row) => r.protocol, drop: 3 },
    { title: "TAGS", text: (r: Row) => r.tags, max: 36, min: 12, drop: 4 },
  ];

  it.each([200, 120, 80, 60, 40, 20])("fits %i columns, cutting with … and leaving out low-rank columns", (width) => {
    const lines = table(rows, columns, createStyle(true), width);
    for (const line of lines) expect(displayWidth(line), stripAnsi(line)).toBeLessThanOrEqual(width);
    expect(stripAnsi(lines[0])).toMatch(/^ID\s/);
  });

  it("at 80 columns keeps the ids long enough to use, and says what it cut", () => {
    const lines = table(rows, columns, plain, 80).map(stripAnsi);
    expect(lines[0].split(/\s+/)).toEqual(["ID", "NAME", "HEALTH", "TRUST", "HEARTBEAT"]);
    expect(lines[1]).toMatch(/^invoice-parser-with-a-l… /);
    expect(lines[1]).toContain("unhealthy  0.53 experimental  59m ago");
  });

  it("without a width (a pipe) it is as wide as its content", () => {
    const lines = table(rows, columns, plain);
    expect(lines[1]).toContain("finance,documents,eu-only,simulated");
    expect(lines[1]).toContain(rows[0].id);
  });
});
