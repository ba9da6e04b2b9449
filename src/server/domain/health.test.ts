import { describe, expect, it } from "vitest";
import { isPunctual, isSilent, lastSign, statusAfterHeartbeat } from "./health.js";

describe("health rules", () => {
  it("a bare heartbeat means healthy; a reported status is taken as is", () => {
    expect(statusAfterHeartbeat(undefined)).toBe("healthy");
    expect(statusAfterHeartbeat("degraded")).toBe("degraded");
    expect(statusAfterHeartbeat("unhealthy")).toBe("unhealthy");
  });

  it("silence counts from the last heartbeat, or from registration when there was none", () => {
    expect(lastSign({ last_heartbeat_at: null, created_at: 100 })).toBe(100);
    expect(lastSign({ last_heartbeat_at: 500, created_at: 100 })).toBe(500);
    const agent = { health_status: "healthy" as const, last_heartbeat_at: 1000, created_at: 0 };
    expect(isSilent(agent, 30_999, 30_000)).toBe(false);
    expect(isSilent(agent, 31_000, 30_000)).toBe(true);
    expect(isSilent({ ...agent, health_status: "offline" }, 99_999, 30_000)).toBe(false);
    expect(isSilent({ health_status: "unknown", last_heartbeat_at: null, created_at: 0 }, 30_000, 30_000)).toBe(true);
  });

  it("a heartbeat is punctual within 1.5 intervals of the previous one, and never right after offline", () => {
    expect(isPunctual(0, "healthy", 15_000, 10_000)).toBe(true);
    expect(isPunctual(0, "healthy", 15_001, 10_000)).toBe(false);
    expect(isPunctual(null, "unknown", 1, 10_000)).toBe(false);
    expect(isPunctual(0, "offline", 5_000, 10_000)).toBe(false);
  });
});
