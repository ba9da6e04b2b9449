import { describe, expect, it } from "vitest";
import { seededAgent } from "./support/seed.js";

describe("the seeded fleet", () => {
  // The dashboard bench and the fleet-scale test open it with --offline-after 1h and
  // measure a quiet fleet: a sweep at start would stream thousands of events at the page.
  it("has every agent last seen within the hour, so the server's first sweep finds none", () => {
    const now = Date.now();
    for (let i = 0; i < 100_000; i += 7) {
      for (const a of [seededAgent(i, now), seededAgent(i + 6, now)]) {
        expect(now - (a.last_heartbeat_at ?? a.created_at), a.id).toBeLessThan(3_600_000);
      }
    }
  });
});
