import { describe, expect, it } from "vitest";
import { clean, cleanDeep, displayWidth, fitWidth, padWidth, terminalColumns } from "./terminal.js";

describe("clean", () => {
  it("shows C0, DEL, C1, bidi and line separators escaped, and leaves other text alone", () => {
    expect(clean("red\x1b[31mX\x1b[0m")).toBe("red\\x1b[31mX\\x1b[0m");
    expect(clean("a\rb\nc\td\0e")).toBe("a\\rb\\nc\\td\\0e");
    expect(clean("del\x7f c1\x9b31m nel\x85")).toBe("del\\x7f c1\\x9b31m nel\\x85");
    expect(clean("abc\u202edcba\u2066x\u2069\u200f")).toBe("abc\\u202edcba\\u2066x\\u2069\\u200f");
    expect(clean("line\u2028sep")).toBe("line\\u2028sep");
    const ordinary = "Grüße, 東京, emoji 🚀, C:\\path, quotes \"'";
    expect(clean(ordinary)).toBe(ordinary);
    // Nothing a terminal would act on survives.
    // eslint-disable-next-line no-control-regex
    expect(clean(String.fromCharCode(...Array.from({ length: 0xa0 }, (_, i) => i)))).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("cleans every string of a value, keys included, without touching the original", () => {
    const raw = { name: "x\x1b[2J", tags: ["a\rb"], metadata: { "k\x1b": { deep: "\u202e" } }, n: 1, ok: true, none: null };
    expect(cleanDeep(raw)).toEqual({ name: "x\\x1b[2J", tags: ["a\\rb"], metadata: { "k\\x1b": { deep: "\\u202e" } }, n: 1, ok: true, none: null });
    expect(raw.name).toBe("x\x1b[2J");
  });
});

describe("widths", () => {
  it("counts columns, not UTF-16 units; colour sequences take none", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("東京")).toBe(4);
    expect(displayWidth("🚀x")).toBe(3);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("\x1b[31mred\x1b[39m")).toBe(3);
  });

  it("cuts to a width with an ellipsis, never splitting a wide character over the limit", () => {
    expect(fitWidth("abcdef", 6)).toBe("abcdef");
    expect(fitWidth("abcdef", 4)).toBe("abc…");
    expect(fitWidth("東京都庁", 5)).toBe("東京…");
    expect(displayWidth(fitWidth("東京都庁", 4))).toBeLessThanOrEqual(4);
    expect(fitWidth("abc", 0)).toBe("");
    expect(padWidth("東", 4)).toBe("東  ");
    expect(padWidth("7", 3, "right")).toBe("  7");
  });

  it("fits terminals only", () => {
    expect(terminalColumns({ isTTY: true, columns: 80 })).toBe(80);
    expect(terminalColumns({ isTTY: true })).toBe(80);
    expect(terminalColumns({ isTTY: false, columns: 80 })).toBeUndefined();
    expect(terminalColumns({})).toBeUndefined();
  });
});
