/**
 * `.` and `..` are never agent ids (a URL path resolves them as dot segments):
 * an SDK call given one must fail at once with `invalid_argument`, not send a
 * request to whatever path the dot segment leaves, e.g. `trust(".")` reading
 * `/agents/trust`, the agent whose id is "trust".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient } from "@agentmesh/client";
import { ADMIN, register, startTestServer, type TestServer } from "../helpers.js";
import { countingFetch } from "./support.js";

let server: TestServer;
const counting = countingFetch();
beforeAll(async () => {
  server = await startTestServer();
  // Agents named like the paths a dot segment would land on.
  await register(server.url, "trust");
  await register(server.url, "health");
});
afterAll(() => server.destroy());

describe("dot-segment ids", () => {
  it.each([".", ".."])("%j is refused by every call that takes an id, before any request", async (id) => {
    const c = new AgentMeshClient({ url: server.url, token: ADMIN, fetch: counting });
    const before = counting.calls;
    const calls: (() => Promise<unknown>)[] = [
      () => c.get(id),
      () => c.trust(id),
      () => c.health(id),
      () => c.update(id, { version: "2.0.0" }),
      () => c.deregister(id),
      () => c.register({ id, name: "x", version: "1", description: "", endpoint: "http://127.0.0.1:9/", protocol: "http", skills: [], tags: [] }),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ code: "invalid_argument", retryable: false });
    }
    expect(counting.calls).toBe(before);
  });

  it("an id that merely contains dots is still an id", async () => {
    await register(server.url, "a.b..c");
    const c = new AgentMeshClient({ url: server.url, fetch: counting });
    expect((await c.get("a.b..c")).id).toBe("a.b..c");
  });
});
