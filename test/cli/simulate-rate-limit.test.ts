/**
 * `agentmesh simulate` against servers that rate-limit writes, as real
 * processes: the README's `--agents 50` runs clean against the default limit
 * (registrations are paced), and a 429 is waited out by `Retry-After`
 * instead of being counted as an error.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, waitFor, type TestServer } from "../helpers.js";
import { cli } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.destroy();
  server = undefined;
});

async function agentsLeft(url: string): Promise<number> {
  return (await fetch(`${url}/api/v1/agents?tag=simulated&limit=1`).then((r) => r.json())).total;
}

describe("agentmesh simulate under a rate limit", () => {
  it("--agents 50 against the default limit (20 writes/s) registers all 50 with no error", async () => {
    server = await startTestServer({ rateLimit: "20" });
    const url = server.url;
    const sim = cli(["simulate", "--agents", "50", "--seed", "rl50", "--json", "--url", url]);
    await waitFor(async () => {
      const list = await fetch(`${url}/api/v1/agents?tag=simulated&limit=100`).then((r) => r.json());
      return list.total === 50 && list.agents.every((a: { last_heartbeat_at: string | null }) => a.last_heartbeat_at !== null);
    }, "all fifty agents to register and heartbeat", 60_000);
    expect(await sim.stop("SIGINT"), sim.stderr).toBe(0);
    const summary = JSON.parse(sim.stdout);
    expect(summary).toMatchObject({ agents: 50, registered: 50, deregistered: 50, failed_registrations: [], errors: {} });
    expect(summary.heartbeats).toBeGreaterThanOrEqual(50);
    expect(await agentsLeft(server.url)).toBe(0);
  });

  it("waits for Retry-After after a 429 and sends the registration again, counting no error", async () => {
    server = await startTestServer();
    // In front of the server, a proxy that refuses the first four registrations once each
    // with 429 and `Retry-After: 1`, whatever limit the server itself applies.
    const refusedAt = new Map<string, number>();
    const retriedAt = new Map<string, number>();
    const upstream = server.url;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      if (req.method === "POST" && req.url === "/api/v1/agents") {
        const id = JSON.parse(body.toString()).id as string;
        if (refusedAt.has(id)) retriedAt.set(id, Date.now());
        else if (refusedAt.size < 4) {
          refusedAt.set(id, Date.now());
          res.writeHead(429, { "content-type": "application/problem+json", "retry-after": "1" });
          res.end(JSON.stringify({ type: "about:blank", title: "Too Many Requests", status: 429, code: "rate_limited", detail: "slow down" }));
          return;
        }
      }
      const headers: Record<string, string> = {};
      for (const h of ["authorization", "content-type", "accept"]) if (req.headers[h]) headers[h] = String(req.headers[h]);
      const answer = await fetch(`${upstream}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const sim = cli(["simulate", "--agents", "8", "--seed", "rl8", "--json", "--url", url]);
      // Each 429 halves the simulator's registration pace, so the last ones come slowly.
      await waitFor(async () => (await agentsLeft(upstream)) === 8, "all eight agents to register", 30_000);
      expect(await sim.stop("SIGINT"), sim.stderr).toBe(0);
      expect(JSON.parse(sim.stdout)).toMatchObject({ registered: 8, deregistered: 8, rate_limited: 4, errors: {}, failed_registrations: [] });
      expect([...retriedAt.keys()].sort()).toEqual([...refusedAt.keys()].sort());
      // Sent again no sooner than the server asked.
      for (const [id, at] of refusedAt) expect(retriedAt.get(id)! - at, id).toBeGreaterThanOrEqual(1000);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  }, 60_000);
});
