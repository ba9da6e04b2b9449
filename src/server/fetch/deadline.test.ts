import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { classify, Deadline, Failure } from "./deadline.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("the fetch deadline", () => {
  it("fails what is pending when it passes, naming the phase it was in", async () => {
    const deadline = new Deadline(1000);
    deadline.phase = "connecting";
    const pending = deadline.race(new Promise(() => {}));
    const settled = expect(pending).rejects.toMatchObject({ kind: "timeout", message: "timed out after 1000ms while connecting" });
    await vi.advanceTimersByTimeAsync(999);
    expect(deadline.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await settled;
    expect(deadline.signal.aborted).toBe(true);
    deadline.close();
  });

  it("lets what finishes in time through, and leaves no timer behind", async () => {
    const deadline = new Deadline(1000);
    await expect(deadline.race(Promise.resolve(7))).resolves.toBe(7);
    deadline.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("follows the caller's signal, as a cancellation rather than a timeout", async () => {
    const outer = new AbortController();
    const deadline = new Deadline(1000, outer.signal);
    const pending = deadline.race(new Promise(() => {}));
    outer.abort();
    await expect(pending).rejects.toMatchObject({ kind: "network", message: "the fetch was cancelled" });
    deadline.close();
  });

  it("classifies socket and resolver errors", () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(classify(err("ECONNREFUSED"), "connecting").kind).toBe("refused");
    expect(classify(err("ENOTFOUND"), "connecting").kind).toBe("dns");
    expect(classify(new Error("whatever"), "resolving the name").kind).toBe("dns");
    expect(classify(err("ETIMEDOUT"), "connecting").kind).toBe("timeout");
    expect(classify(err("EPROTO"), "waiting for the response headers")).toMatchObject({ kind: "network", message: "waiting for the response headers: EPROTO: EPROTO" });
    const own = new Failure("too_large", "big");
    expect(classify(own, "reading the body")).toBe(own);
  });
});
