/** The throttled log of background failures (a database outage must not flood the log). */
import { describe, expect, it } from "vitest";
import { throttledErrorLog } from "./app.js";

describe("throttledErrorLog", () => {
  it("logs the first failure at once, then at most one per interval with the count left out", () => {
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    const logger = { error: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) };
    let now = 0;
    const log = throttledErrorLog(logger, "background task failed", 10_000, () => now);

    const boom = new Error("database unreachable");
    log(boom);
    for (now = 1000; now < 10_000; now += 1000) log(boom); // 9 more within the interval
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({ obj: { err: boom }, msg: "background task failed" });

    now = 10_000;
    log(boom);
    expect(lines).toHaveLength(2);
    expect(lines[1].msg).toBe("background task failed (9 more since the last report)");
    expect(lines[1].obj).toEqual({ err: boom, suppressed: 9 });

    now = 30_000;
    log(boom);
    expect(lines[2]).toEqual({ obj: { err: boom }, msg: "background task failed" });
  });
});
