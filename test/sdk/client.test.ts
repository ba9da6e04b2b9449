/**
 * The SDK's REST calls against a real server: registration and its token,
 * updates, reports, typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, AgentMeshError } from "@agentmesh/client";
import { ADMIN, card, startTestServer, type TestServer } from "../helpers.js";

let server: TestServer;
beforeAll(async () => {
  // trustMaturity 0: reporters here are seconds old (the standing rules are tested in test/abuse/trust-sybil.test.ts).
  server = await startTestServer({ trustMaturity: "0" });
});
afterAll(() => server.destroy());

describe("AgentMeshClient REST", () => {
  it("registers, keeps its token, updates, re-registers and deregisters its agent", async () => {
    const client = new AgentMeshClient({ url: server.url + "/" });
    const first = await client.register(card("sdk-a"));
    expect(first.agent.id).toBe("sdk-a");
    expect(first.agent_token).toMatch(/\S{16,}/);
    expect(client.agentId).toBe("sdk-a");
    expect(client.agentToken).toBe(first.agent_token);

    const updated = await client.update("sdk-a", { version: "2.0.0" });
    expect(updated.version).toBe("2.0.0");

    const again = await client.register(card("sdk-a", { description: "re-registered" }));
    expect(again.agent.description).toBe("re-registered");
    expect(again.agent_token).toBeUndefined();
    expect(client.agentToken).toBe(first.agent_token);

    expect((await client.get("sdk-a")).revision).toBeGreaterThan(first.agent.revision);
    await client.deregister();
    await expect(client.get("sdk-a")).rejects.toMatchObject({ name: "AgentMeshError", status: 404, code: "agent_not_found" });
  });

  it("refuses another client's id with agent_id_taken", async () => {
    await new AgentMeshClient({ url: server.url }).register(card("sdk-b"));
    const err = await new AgentMeshClient({ url: server.url }).register(card("sdk-b")).catch((e) => e);
    expect(err).toBeInstanceOf(AgentMeshError);
    expect(err).toMatchObject({ status: 409, code: "agent_id_taken" });
    expect(err.detail).toEqual(expect.any(String));
  });

  it("reports outcomes about other agents and refuses self-reports", async () => {
    const caller = new AgentMeshClient({ url: server.url });
    const callee = new AgentMeshClient({ url: server.url });
    await caller.register(card("sdk-caller"));
    await callee.register(card("sdk-callee"));
    await caller.heartbeat();
    const res = await caller.report("sdk-callee", { outcome: "success", latency_ms: 120 });
    expect(res).toMatchObject({ agent_id: "sdk-callee", reporter_id: "sdk-caller" });
    expect(res.trust_score).toBeGreaterThan(0.5);
    await expect(caller.report("sdk-caller", { outcome: "success" })).rejects.toMatchObject({ code: "self_report", status: 400 });
  });

  it("answers validation errors with their fields", async () => {
    const err = await new AgentMeshClient({ url: server.url }).register(card("sdk-bad", { endpoint: "not a url" })).catch((e) => e);
    expect(err).toMatchObject({ status: 400, code: "validation_failed" });
    expect(err.errors).toEqual([expect.objectContaining({ field: "body.endpoint" })]);
    expect(err.retryable).toBe(false);
  });

  it("lets the admin token change any agent, and not another agent's token", async () => {
    await new AgentMeshClient({ url: server.url }).register(card("sdk-victim"));
    const other = new AgentMeshClient({ url: server.url });
    await other.register(card("sdk-other"));
    await expect(other.update("sdk-victim", { version: "6.6.6" })).rejects.toMatchObject({ status: 401 });
    const admin = new AgentMeshClient({ url: server.url, token: ADMIN });
    expect((await admin.update("sdk-victim", { version: "9.9.9" })).version).toBe("9.9.9");
    await admin.deregister("sdk-victim");
  });

  it("lists with filters and sort, pages through everything with listAll", async () => {
    const client = new AgentMeshClient({ url: server.url });
    const list = await client.list({ q: "sdk-", sort: "name", order: "desc", limit: 2 });
    expect(list.agents).toHaveLength(2);
    expect(list.cursor).toBeGreaterThan(0);
    const all = await client.listAll();
    expect(all.agents.length).toBe((await client.list()).total);
    expect((await client.stats()).agents.total).toBe(all.agents.length);
    const history = await client.history({ after: 0, limit: 5, types: ["agent_registered"] });
    expect(history.events.every((e) => e.type === "agent_registered" && typeof e.id === "number")).toBe(true);
  });

  it("says unreachable (status 0) when nothing listens", async () => {
    const err = await new AgentMeshClient({ url: "http://127.0.0.1:9", timeoutMs: 2000 }).list().catch((e) => e);
    expect(err).toBeInstanceOf(AgentMeshError);
    expect(err).toMatchObject({ status: 0, code: "unreachable", retryable: true });
    expect(err.detail).toContain("127.0.0.1:9");
  });
});
