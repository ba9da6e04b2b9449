import { describe, expect, it } from "vitest";
import type { Agent } from "./agent.js";
import { Delivery } from "./delivery.js";
import type { SubscriptionUpdate } from "./subscribe-options.js";

const event = (id: number) => ({ type: "agent_deregistered", agent_id: "a", timestamp: "t", id }) as unknown as SubscriptionUpdate;
const label = (u: SubscriptionUpdate) => ("id" in u ? u.id : `${u.type}${u.type === "snapshot" ? `@${u.cursor}` : ""}`);

function setup(refetchCursor = 10) {
  const handed: SubscriptionUpdate[] = [];
  const progress: number[] = [];
  let release: (() => void) | null = null;
  let slow = false;
  const d = new Delivery({
    deliver: async (u) => {
      handed.push(u);
      if (slow) await new Promise<void>((r) => (release = r));
    },
    refetch: async () => ({ agents: [] as Agent[], cursor: refetchCursor }),
    closed: () => false,
    onProgress: (n) => progress.push(n),
  });
  return { d, handed, progress, slowDown: () => (slow = true), release: () => release?.() };
}

describe("Delivery", () => {
  it("hands the initial snapshot first and skips events its cursor already holds", async () => {
    const { d, handed } = setup();
    d.snapshot([], 5);
    for (const id of [4, 5, 6]) d.push({ kind: "update", update: event(id) });
    await new Promise((r) => setTimeout(r, 0));
    expect(handed.map(label)).toEqual(["snapshot@5", 6]);
  });

  it("after a reset, fetches a fresh snapshot in place and skips events up to its cursor", async () => {
    const { d, handed } = setup(10);
    d.push({ kind: "update", update: { type: "reset", reason: "unknown_event_id", cursor: 8, requested: 99 } as SubscriptionUpdate });
    d.push({ kind: "refetch" });
    for (const id of [9, 10, 11]) d.push({ kind: "update", update: event(id) });
    await new Promise((r) => setTimeout(r, 0));
    expect(handed.map(label)).toEqual(["reset", "snapshot@10", 11]);
  });

  it("holds later updates while the consumer works, and reports how many wait after each", async () => {
    const { d, handed, progress, slowDown, release } = setup();
    slowDown();
    for (const id of [1, 2, 3]) d.push({ kind: "update", update: event(id) });
    expect(handed.map(label)).toEqual([1]);
    expect(d.length).toBe(2);
    for (let i = 0; i < 3; i++) {
      release();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(handed.map(label)).toEqual([1, 2, 3]);
    expect(progress).toEqual([2, 1, 0]);
  });
});
