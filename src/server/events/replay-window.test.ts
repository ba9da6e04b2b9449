import { describe, expect, it } from "vitest";
import { ReplayWindow, type Entry } from "./replay-window.js";

const entry = (id: number, agentId = "a", size = 10): Entry => ({ id, type: "agent_updated", agentId, frame: Buffer.alloc(size, id % 256) });

function windowOf(ids: number[], maxCount = 100, maxBytes = 1e6, size = 10): ReplayWindow {
  const w = new ReplayWindow(maxCount, maxBytes);
  for (const id of ids) w.push(entry(id, id % 2 ? "odd" : "even", size));
  w.trim();
  return w;
}

describe("the replay window", () => {
  it("keeps at most its count and its bytes, dropping the oldest", () => {
    expect(windowOf([1, 2, 3, 4, 5], 3).oldest).toBe(3);
    const bytes = windowOf([1, 2, 3, 4, 5], 100, 25);
    expect([bytes.oldest, bytes.size]).toEqual([4, 2]);
    expect(windowOf([]).oldest).toBeNull();
  });

  it("covers a cursor when the events after it are all held, or when it is at the head", () => {
    const w = windowOf([5, 6, 7]);
    expect([3, 4, 5, 7].map((c) => w.covers(c, 7))).toEqual([false, true, true, true]);
    expect(windowOf([]).covers(3, 3)).toBe(true);
    expect(windowOf([]).covers(2, 3)).toBe(false);
  });

  it("hands out pieces after a cursor: only wanted frames, about maxBytes each (at least one), and how far it looked", () => {
    const w = windowOf([1, 2, 3, 4, 5, 6, 7, 8], 100, 1e6, 10);
    const odd = (e: Entry) => (e.agentId === "odd" ? e.frame : null);
    const first = w.piece(0, odd, 25);
    expect(first.frames.map((f) => f[0])).toEqual([1, 3]);
    expect(first.last).toBe(4); // 5 would pass maxBytes: the next piece starts after 4
    const second = w.piece(first.last, odd, 25);
    expect(second.frames.map((f) => f[0])).toEqual([5, 7]);
    expect(second.last).toBe(8); // nothing more wanted: looked to the end
    expect(w.piece(0, odd, 1).frames).toHaveLength(1);
    expect(w.piece(8, odd, 25)).toEqual({ frames: [], last: 8 });
  });
});
