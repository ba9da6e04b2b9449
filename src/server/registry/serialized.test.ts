/**
 * Concurrent changes to one agent through one process queue instead of racing:
 * with a store whose reads take a round trip (as PostgreSQL's do), twenty
 * simultaneous PATCHes of the same agent all commit at the first attempt.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.js";
import type { Commit, Store, StoredEvent } from "../store/store.js";
import { createRegistry } from "./service.js";

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentmesh-serial-"));
  store = await openSqliteStore(join(dir, "db.sqlite"));
  await store.migrate();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it("concurrent changes to one agent commit one after another, without conflicts, each event in order", async () => {
  const conflicts: string[] = [];
  const published: StoredEvent[] = [];
  const roundTrip = () => new Promise((r) => setTimeout(r, 1));
  // The real store, with a round trip before each read and each commit.
  const slow = {
    getAgent: async (id: string) => (await roundTrip(), store.getAgent(id)),
    findAgentByTokenHash: store.findAgentByTokenHash.bind(store),
    reportCount: store.reportCount.bind(store),
    staleAgents: store.staleAgents.bind(store),
    decayCandidates: store.decayCandidates.bind(store),
    commit: async (change: Commit) => {
      await roundTrip();
      const r = await store.commit(change);
      if (!r.ok) conflicts.push(r.reason);
      return r;
    },
  };
  const config = { heartbeatIntervalMs: 10_000, offlineAfterMs: 30_000, adminToken: null, registrationToken: null, trustStep: 0.01, deregisterAfterMs: 0, cardRefreshMs: 600_000 };
  const registry = createRegistry({ store: slow, config, clock: { now: Date.now }, onCommit: (events) => published.push(...events) });
  const { token } = await registry.register({ id: "hot", name: "Hot", version: "1", description: "", endpoint: "http://127.0.0.1:9/", protocol: "http" }, {});

  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => registry.update("hot", { metadata: { n: i } }, { bearer: token })));

  expect(results.filter((r) => r.status === "rejected")).toEqual([]);
  expect(conflicts).toEqual([]);
  const updates = published.filter((e) => e.type === "agent_updated").map((e) => JSON.parse(e.payload).agent);
  expect(updates.map((a) => a.metadata.n)).toEqual(Array.from({ length: 20 }, (_, i) => i)); // in call order
  expect(updates.map((a) => a.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  expect((await store.getAgent("hot"))?.revision).toBe(21);
});
