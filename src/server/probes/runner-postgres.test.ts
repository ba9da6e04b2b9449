/**
 * Two instances probing the same 200 agents on one real PostgreSQL: each
 * agent is probed by one instance at a time and each transition is announced
 * exactly once. Time is faked (Date) and moved by hand, one interval a round.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { plainFetcher } from "../../../test/probes/plain-fetcher.js";
import { createSchema, type TestSchema } from "../../../test/scale/pg.js";
import { migrateToLatest } from "../store/migrations.js";
import { createProbeLeases, type ProbeDatabase } from "../store/probe-leases.js";
import { ProbeRunner } from "./runner.js";

const AGENTS = 200;
const INTERVAL = 10_000;

describe("probe runner: two instances on PostgreSQL", () => {
  let schema: TestSchema;
  let dbs: Kysely<ProbeDatabase>[];
  let server: http.Server;
  let status = 200;
  let requests = 0;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: 5_000_000 });
    schema = await createSchema();
    dbs = [0, 1].map(() => new Kysely<ProbeDatabase>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url, max: 4 }) }) }));
    await migrateToLatest(dbs[0] as Kysely<any>, "postgres", schema.schema);
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });

  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await Promise.all(dbs.map((d) => d.destroy()));
    await schema.drop();
    vi.useRealTimers();
  });

  it("probes each agent once a round and announces each transition exactly once", async () => {
    const port = (server.address() as AddressInfo).port;
    const announced: string[] = [];
    const errors: unknown[] = [];
    const probedBy = [0, 0];
    const runners = dbs.map((db, i) => {
      const leases = createProbeLeases(db, "postgres");
      const counting = { ...leases, recordResult: async (input: Parameters<typeof leases.recordResult>[0]) => {
        const ok = await leases.recordResult(input);
        if (ok) probedBy[i]++;
        return ok;
      } };
      return new ProbeRunner({
        leases: counting,
        fetcher: plainFetcher(),
        onTransition: async (agentId, t) => void announced.push(`${agentId}:${t.from}->${t.to}`),
        clock: { now: () => Date.now() },
        concurrency: 16,
        perHost: 16,
        owner: `instance-${i}`,
        onError: (err) => errors.push(err),
      // These tables have no agents: reconciling would remove every probe row (it is tested with the app, test/probes).
      reconcileMs: Infinity,
        random: () => 0.5,
      });
    });
    const leases = createProbeLeases(dbs[0], "postgres");
    for (let i = 0; i < AGENTS; i++) {
      await leases.upsert(`agent-${i}`, { kind: "http", url: `http://h${i % 10}.test:${port}/`, interval_ms: INTERVAL, timeout_ms: 2000, failures: 1, successes: 1 }, Date.now());
    }
    /** Both instances claim and probe, at once, until every agent was probed this round. */
    const round = async () => {
      const target = requests + AGENTS;
      for (let spins = 0; requests < target && spins < 500; spins++) {
        await Promise.all(runners.map((r) => r.tick()));
        await Promise.all(runners.map((r) => r.idle()));
      }
      expect(requests).toBe(target);
      vi.setSystemTime(Date.now() + INTERVAL);
    };

    await round();
    status = 503;
    await round();
    await round(); // still failing: nothing more to announce
    await Promise.all(runners.map((r) => r.stop()));

    expect(errors).toEqual([]);
    expect(announced).toHaveLength(2 * AGENTS);
    expect(new Set(announced).size).toBe(2 * AGENTS);
    for (let i = 0; i < AGENTS; i++) {
      expect(announced.filter((a) => a.startsWith(`agent-${i}:`)).sort()).toEqual([`agent-${i}:passing->failing`, `agent-${i}:unknown->passing`]);
    }
    expect(probedBy[0] + probedBy[1]).toBe(3 * AGENTS);
    expect(Math.min(...probedBy)).toBeGreaterThan(0);
    const leftover = await dbs[0].selectFrom("probes").select("agent_id").where("pending_transition", "is not", null).execute();
    expect(leftover).toEqual([]);
  });
});
