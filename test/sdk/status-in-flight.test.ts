/**
 * `setStatus()` sends a beat at once when the status changes, also when it is
 * called while a beat is in flight: that beat carries the old status, so the
 * new one must follow as soon as it is answered, not a whole interval later
 * (an hour here: the server asks for one).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient } from "@agentmesh/client";
import { card, startTestServer, waitFor, type TestServer } from "../helpers.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ heartbeatInterval: "1h", offlineAfter: "2h" });
});
afterAll(() => server.destroy());

describe("setStatus while a beat is in flight", () => {
  it("sends the new status right after the beat in flight is answered", async () => {
    let hold: Promise<void> | null = null;
    let inFlight = 0;
    const holding: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/heartbeat") && hold) {
        inFlight++;
        await hold;
      }
      return fetch(input, init);
    };
    const client = new AgentMeshClient({ url: server.url, fetch: holding });
    await client.register(card("in-flight"));
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const loop = client.startHeartbeats();
    await waitFor(() => inFlight === 1, "the first beat to be in flight");
    loop.setStatus("degraded", "slow backend");
    hold = null;
    release();
    const agent = await waitFor(async () => {
      const a = await client.get("in-flight");
      return a.health_status === "degraded" && a;
    }, "the registry to learn the new status");
    expect(agent.health_status).toBe("degraded");
    await loop.stop();
  });
});
