/**
 * The heartbeat loop against a real server: beats at the interval the server
 * asks for, keeps going across a server restart, reports the status the agent
 * sets, and ends on a fatal error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, type AgentMeshError, type HeartbeatResponse } from "@agentmesh/client";
import { ADMIN, card, waitFor } from "../helpers.js";
import { FAST, RestartableServer } from "./support.js";

const server = new RestartableServer(FAST);
beforeAll(() => server.start());
afterAll(() => server.destroy());

describe("startHeartbeats", () => {
  it("beats at the server's interval, survives a restart and reports setStatus()", async () => {
    const client = new AgentMeshClient({ url: server.url, token: ADMIN });
    await client.register(card("hb-1"));
    const beats: HeartbeatResponse[] = [];
    const errors: { err: AgentMeshError; fatal: boolean }[] = [];
    const loop = client.startHeartbeats({ intervalMs: 60_000, onBeat: (r) => beats.push(r), onError: (err, { fatal }) => errors.push({ err, fatal }) });

    await waitFor(() => beats.length >= 3, "three heartbeats");
    expect(loop.intervalMs).toBe(300); // from the server's answer, not the 60 s guess
    expect(beats[0].heartbeat_interval_ms).toBe(300);
    expect((await client.get("hb-1")).health_status).toBe("healthy");

    await server.stop();
    await waitFor(() => errors.length >= 1, "a failed heartbeat while the server is down");
    expect(errors.every((e) => !e.fatal && e.err.retryable)).toBe(true);
    const beforeRestart = beats.length;
    const restartedAt = Date.now();
    await server.start();

    await waitFor(() => beats.length >= beforeRestart + 2, "heartbeats after the restart", 15_000);
    expect(loop.running).toBe(true);
    const agent = await waitFor(async () => {
      const a = await client.get("hb-1");
      return a.health_status === "healthy" && Date.parse(a.last_heartbeat_at!) >= restartedAt - 1000 && a;
    }, "the agent healthy again after the restart");
    expect(agent.health_status).toBe("healthy");

    loop.setStatus("degraded", "slow backend");
    await waitFor(async () => (await client.health("hb-1")).status === "degraded", "the degraded status to reach the registry");
    const health = await client.health("hb-1");
    expect(health.history).toContainEqual(expect.objectContaining({ status: "degraded", message: "slow backend" }));

    await loop.stop();
    expect(loop.running).toBe(false);
    expect(await loop.done).toBeNull();
  });

  it("ends with a fatal error when the agent is removed", async () => {
    const client = new AgentMeshClient({ url: server.url });
    await client.register(card("hb-gone"));
    let fatal: AgentMeshError | null = null;
    const loop = client.startHeartbeats({ onError: (err, info) => info.fatal && (fatal = err) });
    await waitFor(() => loop.lastBeat, "a first heartbeat");
    await new AgentMeshClient({ url: server.url, token: ADMIN }).deregister("hb-gone");
    const ended = await loop.done;
    // Its token now verifies as nothing: a 401, before the id is looked up.
    expect(ended).toMatchObject({ status: 401, code: "unauthorized" });
    expect(fatal).toBe(ended);
    expect(loop.running).toBe(false);
  });

  it("refuses to start without an agent", () => {
    expect(() => new AgentMeshClient({ url: server.url }).startHeartbeats()).toThrow(/register\(\) first/);
  });
});
