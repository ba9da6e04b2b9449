/**
 * `agentmesh agents add <card-url>` as a real process against a real registry
 * and card server: it registers from the card and prints the agent and its
 * token; a card that cannot be used exits 1 with one line naming the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers.js";
import { run } from "../cli/support.js";
import { cardV03, listen, PUBLIC_ADDRESS, startRegistry, type Registry } from "./card-server.js";

let site: Awaited<ReturnType<typeof listen>>;
let registry: Registry;
beforeAll(async () => {
  site = await listen((req, res) => {
    if (req.url === "/.well-known/agent-card.json") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(cardV03()));
    res.writeHead(404, { "content-type": "text/plain" }).end("no");
  });
  registry = await startRegistry("sqlite");
}, 120_000);
afterAll(async () => {
  await registry?.destroy();
  await site?.close();
});

describe("agentmesh agents add", () => {
  const siteUrl = () => `http://${PUBLIC_ADDRESS}:${site.port}`;

  it("registers from a site's card and prints the agent and its token", async () => {
    const r = await run(["agents", "add", siteUrl(), "--id", "cli-recipes", "--url", registry.url, "--no-color"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const token = /agent_token\s+(amt_\S+)/.exec(r.stdout)?.[1];
    expect(token).toBeDefined();
    expect(r.stdout).toContain(`cli-recipes  Recipe Agent v`);
    expect(r.stdout).toContain(`registered from ${siteUrl()}/.well-known/agent-card.json`);
    // The token printed is the agent's: it can heartbeat.
    expect((await api(registry.url, "POST", "/api/v1/agents/cli-recipes/heartbeat", undefined, token)).status).toBe(200);
  });

  it("--json prints the API's answer", async () => {
    const r = await run(["agents", "add", siteUrl(), "--url", registry.url, "--json"]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.agent).toMatchObject({ id: "recipe-agent", card_url: `${siteUrl()}/.well-known/agent-card.json` });
    expect(answer.agent_token).toMatch(/^amt_/);
  });

  it("a card that cannot be used exits 1 with one line naming why", async () => {
    const r = await run(["agents", "add", `${siteUrl()}/nope.json`, "--url", registry.url]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("http_status");
    expect((await api(registry.url, "GET", "/api/v1/agents?limit=1000")).body.agents.map((a: { id: string }) => a.id).sort()).toEqual(["cli-recipes", "recipe-agent"]);
  });
});
