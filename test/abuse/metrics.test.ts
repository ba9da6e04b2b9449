/** Prometheus names: the process metrics carry the `agentmesh_` prefix once, not `agentmesh_process_process_…`. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.destroy();
});

it("every metric is agentmesh_…, with no doubled prefix", async () => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const names = new Set(text.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]));
  expect(names).toContain("agentmesh_process_cpu_user_seconds_total");
  expect(names).toContain("agentmesh_process_resident_memory_bytes");
  expect(names).toContain("agentmesh_nodejs_heap_size_used_bytes");
  expect(names).toContain("agentmesh_sse_subscribers");
  expect([...names].filter((n) => !n.startsWith("agentmesh_"))).toEqual([]);
  expect([...names].filter((n) => /process_process|nodejs_nodejs|agentmesh_agentmesh/.test(n))).toEqual([]);
});
