/**
 * `agentmesh probe` as a real process against real HTTP servers on
 * 127.0.0.1: a card is fetched, validated and shown mapped; every failure
 * exits 1 with one line naming its kind; loopback is allowed by default and
 * `--allow none` checks as a registry with default settings would.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, run } from "./support.js";

const V1 = readFileSync(join(import.meta.dirname, "..", "fixtures", "a2a", "card-v1.json"), "utf8");
const V03 = readFileSync(join(import.meta.dirname, "..", "fixtures", "a2a", "card-v03.json"), "utf8");

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const json = (body: string) => res.writeHead(200, { "content-type": "application/json" }).end(body);
    if (req.url === "/.well-known/agent-card.json") return json(V1);
    if (req.url === "/old/card.json") return json(V03);
    if (req.url === "/bad/card.json") return json(JSON.stringify({ ...JSON.parse(V1), version: 2, skills: [{ id: "x" }] }));
    if (req.url === "/health") return res.writeHead(200).end("ok");
    if (req.url === "/down") return res.writeHead(503).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const oneLine = (s: string) => s.trim().split("\n").length === 1;

describe("agentmesh probe", () => {
  it("fetches the card from a base URL and prints it mapped", async () => {
    const r = await run(["probe", base]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ok  ${base}/.well-known/agent-card.json: a valid A2A 1.0 card`);
    expect(r.stdout).toContain("GeoSpatial Route Planner Agent v1.2.0");
    expect(r.stdout).toMatch(/endpoint\s+https:\/\/georoute-agent\.example\.com\/a2a\/v1/);
    expect(r.stdout).toMatch(/route-optimizer-traffic\s+Traffic-Aware Route Optimizer/);
  });

  it("--json gives the mapped card and the A2A card as published", async () => {
    const r = await run(["probe", `${base}/old/card.json`, "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, version: "0.3", card: { name: "Recipe Agent", protocol: "a2a", endpoint: "https://recipes.example.com/a2a/v1" }, a2a: { preferredTransport: "JSONRPC" } });
    expect(out.card.skills.map((s: { id: string }) => s.id)).toEqual(["find-recipe", "convert-units"]);
  });

  it("names every schema fault and exits 1", async () => {
    const r = await run(["probe", `${base}/bad/card.json`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("/version  must be a string, not a number");
    expect(r.stdout).toContain("/skills/0/name  is required");
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/^agentmesh probe: invalid_card: the card does not follow the A2A schema \(\d+ faults\)/);
  });

  it("allows loopback by default, refuses it with --allow none, never reaches link-local", async () => {
    const strict = await run(["probe", base, "--allow", "none"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("denied_address: 127.0.0.1 is a loopback address; the registry reaches it only if --allow covers it");
    const denied = await run(["probe", base, "--deny", "127.0.0.1"]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("in a denied range (127.0.0.1, --deny)");
    const metadata = await run(["probe", "http://169.254.169.254/latest/meta-data/", "--allow", "0.0.0.0/0", "--json"]);
    expect(metadata.code).toBe(1);
    expect(JSON.parse(metadata.stdout)).toMatchObject({ ok: false, problem: { kind: "denied_address" } });
  });

  it("checks an http endpoint (2xx) and a tcp port", async () => {
    expect((await run(["probe", `${base}/health`, "--type", "http"])).code).toBe(0);
    const down = await run(["probe", `${base}/down`, "--type", "http"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("http_status:");
    expect(down.stderr).toContain("answered HTTP 503");
    const port = base.split(":").at(-1)!;
    const open = await run(["probe", `tcp://127.0.0.1:${port}`]);
    expect(open.code).toBe(0);
    expect(open.stdout).toContain("accepts connections");
    const closed = await run(["probe", `tcp://127.0.0.1:${await freePort()}`]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/^agentmesh probe: refused: /);
  });

  it("reports a missing card and a name that does not resolve", async () => {
    const missing = await run(["probe", `${base}/nothing/card.json`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("http_status: the card URL answered HTTP 404");
    const dns = await run(["probe", "http://no-such-host.invalid/"]);
    expect(dns.code).toBe(1);
    expect(dns.stderr).toMatch(/^agentmesh probe: dns: /);
  });

  it("exits 2 on a mistake in the command line", async () => {
    for (const args of [["probe"], ["probe", base, "--type", "udp"], ["probe", base, "--allow", "localhost"], ["probe", "tcp://host"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/\(see agentmesh probe --help\)\n$/);
    }
    const help = await run(["probe", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--allow <cidrs>");
  });
});
