import { describe, expect, it } from "vitest";
import { relativeTime } from "./time";

describe("relativeTime", () => {
  const now = 1_000_000_000;
  it("reads naturally at every scale", () => {
    expect(relativeTime(now - 500, now)).toBe("just now");
    expect(relativeTime(now - 12_000, now)).toBe("12s ago");
    expect(relativeTime(now - 4 * 60_000, now)).toBe("4 min ago");
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(relativeTime(now - 3 * 86_400_000, now)).toBe("3 d ago");
    expect(relativeTime(now + 5_000, now)).toBe("just now"); // ahead of the page's clock: skew, not the future
  });
});
