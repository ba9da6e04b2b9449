import { describe, expect, it, vi } from "vitest";
import { agent, registered } from "../test/factories";
import { Feed } from "./feed";

const entry = (id: number) => ({ id, event: registered(agent(`a${id}`)) });

describe("Feed", () => {
  it("shows the newest first and ignores events it already has", () => {
    const feed = new Feed();
    feed.push([entry(1), entry(2)]);
    feed.push([entry(2), entry(3)]);
    expect(feed.getView().entries.map((e) => e.id)).toEqual([3, 2, 1]);
  });

  it("freezes what is shown while paused, collects underneath, and shows everything on resume", () => {
    const feed = new Feed();
    const listener = vi.fn();
    feed.subscribe(listener);
    feed.push([entry(1)]);
    feed.pause();
    feed.push([entry(2), entry(3)]);
    expect(feed.getView()).toMatchObject({ paused: true, pending: 2 });
    expect(feed.getView().entries.map((e) => e.id)).toEqual([1]);
    feed.resume();
    expect(feed.getView()).toMatchObject({ paused: false, pending: 0 });
    expect(feed.getView().entries.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(listener).toHaveBeenCalledTimes(4);
  });

  it("takes lower ids again after a reset to a lower cursor (the log started over)", () => {
    const feed = new Feed();
    feed.push([entry(50)]);
    feed.push([entry(3)]);
    expect(feed.getView().entries.map((e) => e.id)).toEqual([50]);
    feed.resetTo(2);
    feed.push([entry(3)]);
    expect(feed.getView().entries.map((e) => e.id)).toEqual([3, 50]);
  });

  it("keeps at most its capacity", () => {
    const feed = new Feed(3);
    feed.push([1, 2, 3, 4, 5].map(entry));
    expect(feed.getView().entries.map((e) => e.id)).toEqual([5, 4, 3]);
  });
});
