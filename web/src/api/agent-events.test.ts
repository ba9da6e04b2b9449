import { describe, expect, it } from "vitest";
import type { EventHistory } from "@agentmesh/client";
import { agent, registered } from "../test/factories";
import { addAgentEvent, newestEvents } from "./agent-events";

/** A log where the agent has an event at each of `ids`; answers like the history endpoint (ascending, after, limit 1000). */
function log(ids: number[], head: number, oldest = 1) {
  const calls: number[] = [];
  const page = async (after: number): Promise<EventHistory> => {
    calls.push(after);
    const events = ids.filter((id) => id > after).slice(0, 1000).map((id) => ({ id, ...registered(agent("a")) }));
    return { events, cursor: head, reset: after < oldest - 1 };
  };
  return { page, calls };
}

describe("newestEvents", () => {
  it("reads one window when the agent was busy lately", async () => {
    const { page, calls } = log(Array.from({ length: 80 }, (_, i) => 9_900 + i), 10_000);
    const entries = await newestEvents(page, 10_000, 50);
    expect(entries.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => 9_979 - i));
    expect(calls).toEqual([9_500]);
  });

  it("widens the window back to the start for a quiet agent, newest first", async () => {
    const { page, calls } = log([3, 7, 20_000], 100_000);
    const entries = await newestEvents(page, 100_000, 50);
    expect(entries.map((e) => e.id)).toEqual([20_000, 7, 3]);
    expect(calls).toEqual([99_500, 96_000, 68_000, 0]);
  });

  it("stops widening at the start of the retained history", async () => {
    const { page, calls } = log([99_000], 100_000, 98_000);
    expect((await newestEvents(page, 100_000, 50)).map((e) => e.id)).toEqual([99_000]);
    expect(calls).toEqual([99_500, 96_000]);
  });

  it("pages through a window with more than a page of events", async () => {
    const { page, calls } = log(Array.from({ length: 1_500 }, (_, i) => 1 + i), 100_000);
    const entries = await newestEvents(page, 100_000, 50);
    expect(entries[0].id).toBe(1_500);
    expect(entries).toHaveLength(50);
    expect(calls).toEqual([99_500, 96_000, 68_000, 0, 1_000]);
  });

  it("without a known head, reads from the start once, and windows back from the head it learns when that is not all", async () => {
    const few = log([5, 9], 10);
    expect((await newestEvents(few.page, 0, 50)).map((e) => e.id)).toEqual([9, 5]);
    expect(few.calls).toEqual([0]);
    const many = log(Array.from({ length: 2_000 }, (_, i) => 1 + i), 2_000);
    expect((await newestEvents(many.page, 0, 50))[0].id).toBe(2_000);
    expect(many.calls).toEqual([0, 1_500]);
  });
});

describe("addAgentEvent", () => {
  const held = { entries: [{ id: 7, event: registered(agent("a")) }] };
  it("puts a new event on top and ignores one it holds", () => {
    expect(addAgentEvent(held, 9, registered(agent("a"))).entries.map((e) => e.id)).toEqual([9, 7]);
    expect(addAgentEvent(held, 7, registered(agent("a")))).toBe(held);
  });
});
