/**
 * The client's `registerFromCard()` and `card()` against a real registry and a
 * real card server: the agent it registers, the token it then acts with, a
 * re-registration that updates, and a card that cannot be used as an
 * AgentMeshError carrying the problem's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, AgentMeshError } from "@agentmesh/client";
import { cardV03, cardV1, listen, PUBLIC_ADDRESS, startRegistry, type Registry } from "./card-server.js";

let site: Awaited<ReturnType<typeof listen>>;
let registry: Registry;
let served: Record<string, unknown> = cardV1();
beforeAll(async () => {
  site = await listen((req, res) => {
    if (req.url === "/card.json") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(served));
    res.writeHead(404, { "content-type": "application/json" }).end("{}");
  });
  registry = await startRegistry("sqlite");
});
afterAll(async () => {
  await registry?.destroy();
  await site?.close();
});

describe("AgentMeshClient.registerFromCard", () => {
  const cardUrl = () => `http://${PUBLIC_ADDRESS}:${site.port}/card.json`;

  it("registers from a card URL, then acts as that agent", async () => {
    const client = new AgentMeshClient({ url: registry.url });
    const { agent, agent_token } = await client.registerFromCard(cardUrl(), { id: "sdk-geo" });
    expect(agent).toMatchObject({ id: "sdk-geo", name: "GeoSpatial Route Planner Agent", card_url: cardUrl() });
    expect(agent_token).toMatch(/^amt_/);
    expect(client.agentId).toBe("sdk-geo");
    expect(client.agentToken).toBe(agent_token);
    expect(await client.card("sdk-geo")).toEqual(cardV1());
    // It holds the token: re-registering the changed card updates the agent.
    served = cardV03();
    const again = await client.registerFromCard(cardUrl(), { id: "sdk-geo" });
    expect(again.agent).toMatchObject({ id: "sdk-geo", name: "Recipe Agent", revision: 2 });
    expect(again.agent_token).toBeUndefined();
    expect((await client.heartbeat()).health_status).toBe("healthy");
  });

  it("rejects a card that cannot be used with card_unusable and its reason", async () => {
    const client = new AgentMeshClient({ url: registry.url });
    const err = await client.registerFromCard(`http://${PUBLIC_ADDRESS}:${site.port}/missing.json`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentMeshError);
    expect(err).toMatchObject({ code: "card_unusable", status: 422, problem: { reason: "http_status" } });
    expect(client.agentId).toBeUndefined();
  });

  it("checks its arguments before sending anything", async () => {
    const client = new AgentMeshClient({ url: registry.url });
    await expect(client.registerFromCard("ftp://x/card.json")).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(client.registerFromCard(cardUrl(), { id: ".." })).rejects.toMatchObject({ code: "invalid_argument" });
  });
});
