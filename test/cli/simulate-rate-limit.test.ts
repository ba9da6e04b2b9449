/**
 * `agentmesh simulate` against servers that rate-limit writes, as real
 * processes: the README's `--agents 50` runs clean against the default limit
 * (registrations are paced), and a stricter limit is waited out by
 * `Retry-After` instead of being counted as errors.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers.js";
import { run } from "./support.js";

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
    const r = await run(["simulate", "--agents", "50", "--seed", "rl50", "--duration", "8s", "--json", "--url", server.url]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ agents: 50, registered: 50, deregistered: 50, failed_registrations: [], errors: {} });
    expect(summary.heartbeats).toBeGreaterThanOrEqual(50);
    expect(await agentsLeft(server.url)).toBe(0);
  });

  it("waits out 429s by Retry-After against a stricter limit, and still ends clean", async () => {
    server = await startTestServer({ rateLimit: "2" });
    const r = await run(["simulate", "--agents", "8", "--seed", "rl8", "--rate", "1", "--duration", "6s", "--url", server.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/agents {8}8 registered of 8, 8 deregistered/);
    expect(r.stderr).toMatch(/rate limit {4}\d+ answers of 429 waited out/);
    expect(r.stderr).toContain("errors        none");
    expect(await agentsLeft(server.url)).toBe(0);
  });
});
