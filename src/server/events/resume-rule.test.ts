import { describe, expect, it } from "vitest";
import { judgeResume } from "./resume-rule.js";

describe("the resume rule", () => {
  it("retains a point when every event after it is in the log", () => {
    const bounds = { oldest: 6, last: 10 };
    expect([4, 5, 6, 9, 10, 11].map((after) => judgeResume(after, bounds))).toEqual([
      "history_pruned",
      "retained", // oldest - 1: the log continues from it
      "retained",
      "retained",
      "retained", // the head: nothing after it is missing
      "unknown_event_id",
    ]);
  });

  it("an empty log retains only its head (every event was pruned, or none was ever written)", () => {
    expect(judgeResume(0, { oldest: null, last: 0 })).toBe("retained");
    expect(judgeResume(1, { oldest: null, last: 0 })).toBe("unknown_event_id");
    expect(judgeResume(7, { oldest: null, last: 7 })).toBe("retained");
    expect(judgeResume(6, { oldest: null, last: 7 })).toBe("history_pruned");
  });
});
