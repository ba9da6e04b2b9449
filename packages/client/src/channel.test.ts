import { describe, expect, it } from "vitest";
import { Channel } from "./channel.js";

describe("Channel", () => {
  it("hands values in order and holds the pump until each is taken", async () => {
    const ch = new Channel<number>(() => {});
    let taken = false;
    const handed = ch.hand(1).then(() => (taken = true));
    await Promise.resolve();
    expect(taken).toBe(false);
    expect(await ch.next()).toEqual({ value: 1, done: false });
    await handed;
    expect(taken).toBe(true);

    const pending = ch.next();
    await ch.hand(2); // a consumer was waiting: taken at once
    expect(await pending).toEqual({ value: 2, done: false });
  });

  it("ends waiting and later next() calls; with an error the first one rejects", async () => {
    const ch = new Channel<number>(() => {});
    const waiting = ch.next();
    ch.end(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(await ch.next()).toEqual({ value: undefined, done: true });
    await ch.hand(3); // after the end: dropped, never blocks the pump
    expect(await ch.next()).toEqual({ value: undefined, done: true });
  });

  it("drops the value on offer when ended, and tells its owner when the consumer leaves early", async () => {
    let returned = 0;
    const ch = new Channel<number>(() => returned++);
    const handed = ch.hand(1);
    for await (const v of ch) {
      expect(v).toBe(1);
      break;
    }
    await handed;
    expect(returned).toBe(1);
    expect(await ch.next()).toEqual({ value: undefined, done: true });
  });
});
