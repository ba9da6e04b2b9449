/**
 * subscribe() against a real server: the snapshot and every later event once
 * and in order, resume across a server restart without loss or duplicates, a
 * reset notice followed by a fresh snapshot, filters, and a refused token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, type SubscriptionUpdate, type ConnectionState } from "@agentmesh/client";
import { card, startTestServer, waitFor } from "../helpers.js";
import { FAST, logAfter, RestartableServer } from "./support.js";

const server = new RestartableServer(FAST);
beforeAll(() => server.start());
afterAll(() => server.destroy());

const ids = (updates: SubscriptionUpdate[]) => updates.flatMap((u) => ("id" in u ? [u.id] : []));

async function agent(id: string) {
  const c = new AgentMeshClient({ url: server.url });
  await c.register(card(id));
  return c;
}

describe("subscribe", () => {
  it("hands the snapshot, then every event after its cursor once and in order", async () => {
    await agent("sub-a");
    const reader = new AgentMeshClient({ url: server.url });
    const got: SubscriptionUpdate[] = [];
    const sub = reader.subscribe({}, async (u) => {
      got.push(u);
      await new Promise((r) => setTimeout(r, 1)); // an async handler is awaited, order kept
    });
    await sub.ready;
    const snapshot = got[0];
    expect(snapshot).toMatchObject({ type: "snapshot", reason: "initial" });
    if (snapshot.type !== "snapshot") throw new Error("no snapshot");
    expect(snapshot.agents.map((a) => a.id)).toContain("sub-a");

    const b = await agent("sub-b");
    await b.heartbeat({ status: "degraded" });
    await b.update("sub-b", { version: "3.0.0" });
    await b.deregister();
    const expected = await waitFor(async () => {
      const log = await logAfter(server.url, snapshot.cursor);
      return log.length >= 4 && ids(got).length >= log.length && log;
    }, "the events to arrive");
    expect(ids(got)).toEqual(expected.map((e) => e.id));
    expect(got.slice(1).map((u) => u.type)).toEqual(expected.map((e) => e.type));
    sub.close();
    expect(sub.state).toBe("closed");
    expect(await sub.done).toBeNull();
  });

  it("resumes after a server restart without losing or repeating events", async () => {
    const writer = await agent("sub-restart");
    const reader = new AgentMeshClient({ url: server.url });
    const got: SubscriptionUpdate[] = [];
    const states: ConnectionState[] = [];
    const s = reader.subscribe({ snapshot: false, onStatus: (st) => states.push(st) }, (u) => void got.push(u));
    await s.ready;
    const start = s.lastEventId;

    await writer.update("sub-restart", { version: "1.1.0" });
    await waitFor(() => ids(got).length >= 1, "the first event");
    await server.restart();
    // Written before the subscriber has reconnected: must be replayed on resume.
    await writer.update("sub-restart", { version: "1.2.0" });
    await writer.heartbeat({ status: "unhealthy" });
    await agent("sub-after-restart");

    const expected = await waitFor(async () => {
      const log = await logAfter(server.url, start);
      return log.length >= 4 && ids(got).length >= log.length && log;
    }, "the events after the restart", 20_000);
    expect(ids(got)).toEqual(expected.map((e) => e.id));
    expect(new Set(ids(got)).size).toBe(ids(got).length);
    expect(states).toContain("reconnecting");
    expect(states.at(-1)).toBe("live");
    expect(got.some((u) => u.type === "reset")).toBe(false);
    s.close();
  });

  it("announces a reset when it cannot resume, then hands a fresh snapshot and goes on live", async () => {
    await agent("sub-reset");
    const reader = new AgentMeshClient({ url: server.url });
    const got: SubscriptionUpdate[] = [];
    const sub = reader.subscribe({ since: 1_000_000_000 }, (u) => void got.push(u));
    await sub.ready;
    await waitFor(() => got.some((u) => u.type === "snapshot"), "the snapshot after the reset");
    expect(got[0]).toMatchObject({ type: "reset", reason: "unknown_event_id", requested: 1_000_000_000 });
    const reset = got[0] as Extract<SubscriptionUpdate, { type: "reset" }>;
    expect(got[1]).toMatchObject({ type: "snapshot", reason: "reset" });
    const snap = got[1] as Extract<SubscriptionUpdate, { type: "snapshot" }>;
    expect(snap.cursor).toBeGreaterThanOrEqual(reset.cursor);
    expect(snap.agents.map((a) => a.id)).toContain("sub-reset");
    expect(sub.lastEventId).toBeLessThan(1_000_000_000);

    await agent("sub-after-reset");
    await waitFor(() => got.some((u) => u.type === "agent_registered" && u.agent_id === "sub-after-reset"), "a live event after the reset");
    sub.close();
  });

  it("applies the type and agent filters to events and the snapshot", async () => {
    const x = await agent("sub-x");
    const y = await agent("sub-y");
    const got: SubscriptionUpdate[] = [];
    const sub = new AgentMeshClient({ url: server.url }).subscribe({ types: ["agent_health_changed"], agentId: "sub-x" }, (u) => void got.push(u));
    await sub.ready;
    await y.heartbeat({ status: "degraded" });
    await x.update("sub-x", { version: "5.0.0" });
    await x.heartbeat({ status: "unhealthy" });
    await waitFor(() => got.some((u) => u.type === "agent_health_changed"), "x's health change");
    const snap = got[0] as Extract<SubscriptionUpdate, { type: "snapshot" }>;
    expect(snap.agents.map((a) => a.id)).toEqual(["sub-x"]);
    const events = got.slice(1);
    expect(events.every((u) => u.type === "agent_health_changed" && u.agent_id === "sub-x")).toBe(true);
    sub.close();
  });

  it("fails with a typed error when the server requires a read token it was not given", async () => {
    const locked = await startTestServer({ readToken: "read-token-0123456789" });
    try {
      const sub = new AgentMeshClient({ url: locked.url }).subscribe({}, () => {});
      await expect(sub.ready).rejects.toMatchObject({ name: "AgentMeshError", status: 401, code: "unauthorized" });
      expect(await sub.done).toMatchObject({ code: "unauthorized" });

      const ok = new AgentMeshClient({ url: locked.url, token: "read-token-0123456789" }).subscribe({ snapshot: false }, () => {});
      await ok.ready;
      expect(ok.state).toBe("live");
      ok.close();
    } finally {
      await locked.destroy();
    }
  });

  it("fails fast when the registry cannot be reached at start", async () => {
    const sub = new AgentMeshClient({ url: "http://127.0.0.1:9" }).subscribe({}, () => {});
    await expect(sub.ready).rejects.toMatchObject({ code: "unreachable", status: 0 });
  });
});
