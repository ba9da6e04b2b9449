import { describe, expect, it } from "vitest";
import type { Agent } from "../shared/agent.js";
import type { RegistryEvent } from "../shared/events.js";
import { describeReset, formatEvent, relativeTime, table } from "./format.js";
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
    expect(line({ type: "agent_deregistered", agent_id: "billing-7", timestamp: at, revision: 9 })).toBe("T     #42  deregistered  billing-7  removed at revision 9");
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
