/**
 * The client's typed reads of issue 14, `health(id)` and `card(id)`, against
 * a real server: health with its history and the cause of each change; the
 * A2A card as the registry serves it. `card()` is also checked against a
 * small HTTP server standing in for the route's answers (path, encoding, a
 * problem answer), which holds whether or not this registry has the route yet.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentMeshClient, AgentMeshError } from "@agentmesh/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import v1 from "../fixtures/a2a/card-v1.json";
import { ADMIN, card, startTestServer, type TestServer } from "../helpers.js";

let server: TestServer;
let cardRoute = false;
beforeAll(async () => {
  server = await startTestServer();
  const admin = new AgentMeshClient({ url: server.url, token: ADMIN });
  await new AgentMeshClient({ url: server.url }).register(card("route-check"));
  // The card route comes with card registration (issue 14 §1); a registry without it answers a plain 404.
  cardRoute = (await fetch(`${server.url}/api/v1/agents/route-check/card`)).status === 200;
  await admin.deregister("route-check");
});
afterAll(() => server.destroy());

describe("health()", () => {
  it("answers the agent's status and history, each change with its cause when the registry gives one", async () => {
    const agent = new AgentMeshClient({ url: server.url });
    await agent.register(card("health-typed"));
    await agent.heartbeat({ status: "degraded", message: "queue backlog" });
    const health = await agent.health("health-typed");
    expect(health.agent_id).toBe("health-typed");
    expect(health.status).toBe("degraded");
    const last = health.history.at(-1)!;
    expect(last).toMatchObject({ status: "degraded", previous_status: "unknown", message: "queue backlog" });
    if (last.source !== undefined) expect(last.source).toBe("heartbeat");
    // No probe was asked for: a registry with probes says so with null, one without leaves it out.
    expect(health.probe ?? null).toBeNull();
  });

  it("refuses an unknown agent with agent_not_found", async () => {
    await expect(new AgentMeshClient({ url: server.url }).health("nobody-here")).rejects.toMatchObject({ status: 404, code: "agent_not_found" });
  });
});

describe("card()", () => {
  it("answers the agent's A2A card from the registry", async (ctx) => {
    if (!cardRoute) ctx.skip("this registry does not serve GET /agents/{id}/card yet: the route comes with card registration (branch cards)");
    const agent = new AgentMeshClient({ url: server.url });
    await agent.register(card("card-typed", { protocol: "a2a", skills: [{ name: "echo", description: "echoes", tags: ["test"] }] }));
    const a2a = await agent.card("card-typed");
    expect(a2a.name).toBe("Agent card-typed");
    expect(a2a.supportedInterfaces?.[0]).toMatchObject({ url: "http://127.0.0.1:9/card-typed", protocolBinding: "JSONRPC" });
    expect(a2a.skills.map((s) => s.name)).toEqual(["echo"]);
  });

  describe("against a server answering the route", () => {
    let stand: Server;
    let url = "";
    const seen: string[] = [];
    beforeAll(async () => {
      stand = createServer((req, res) => {
        seen.push(req.url ?? "");
        if (req.url === "/api/v1/agents/geo%3Aroute/card") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v1));
        else res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify({ type: "about:blank", title: "No such agent", status: 404, code: "agent_not_found", detail: "no agent x" }));
      });
      await new Promise<void>((resolve) => stand.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(stand.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => stand.close(() => resolve())));

    it("reads /agents/{id}/card with the id encoded, typed as an A2A card", async () => {
      const a2a = await new AgentMeshClient({ url }).card("geo:route");
      expect(seen.at(-1)).toBe("/api/v1/agents/geo%3Aroute/card");
      expect(a2a.supportedInterfaces?.map((i) => i.protocolBinding)).toEqual(["JSONRPC", "GRPC", "HTTP+JSON"]);
      expect(a2a.securitySchemes).toHaveProperty("google");
      expect(a2a.skills[0].examples).toHaveLength(2);
    });

    it("turns a problem answer into an AgentMeshError, and refuses an empty id before any request", async () => {
      const client = new AgentMeshClient({ url });
      const err = await client.card("x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AgentMeshError);
      expect(err).toMatchObject({ status: 404, code: "agent_not_found" });
      const before = seen.length;
      await expect(client.card("")).rejects.toMatchObject({ code: "invalid_argument" });
      expect(seen).toHaveLength(before);
    });
  });
});
