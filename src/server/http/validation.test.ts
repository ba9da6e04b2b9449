import { describe, expect, it } from "vitest";
import { METADATA_LIMITS } from "../../shared/agent.js";
import { MAX_FAULTS, metadataFaults } from "./validation.js";

/** `levels` objects and arrays, alternating, around a number. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value];
  return value;
}

describe("metadataFaults", () => {
  it("accepts 32 levels and refuses 33, counting arrays as levels", () => {
    expect(metadataFaults(nested(32), METADATA_LIMITS)).toEqual([]);
    expect(metadataFaults(nested(33), METADATA_LIMITS)).toEqual([{ path: "", message: "must not be nested more than 32 levels deep" }]);
  });

  it("walks 100,000 levels without overflowing the stack", () => {
    expect(metadataFaults(nested(100_000), METADATA_LIMITS)).toHaveLength(1);
  });

  it("reports an object's keys when it reaches it, then its values in order; a bad key at its object without echoing it", () => {
    const faults = metadataFaults({ ok: "tab\tLF\nCR\r", a: { "k\u0000": 1, b: ["x", "\u001b[2J"] }, ["k".repeat(101)]: 1, "a/b": "\ud800" }, METADATA_LIMITS);
    expect(faults.map((f) => f.path)).toEqual(["", "/a", "/a/b/1", "/a~1b"]);
    expect(JSON.stringify(faults)).not.toContain("kkk");
  });

  it("stops at MAX_FAULTS", () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, "\u0000"]));
    expect(metadataFaults(many, METADATA_LIMITS)).toHaveLength(MAX_FAULTS);
  });
});
