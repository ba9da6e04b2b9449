/**
 * Trust cannot be farmed or sunk by throwaway agents (issue 12 §4), through the
 * real API (fastify.inject) on a real SQLite file and on the real PostgreSQL,
 * with the app's injectable clock to age agents.
 *
 * - 100 agents registered within the last 10 minutes, from one address or from
 *   100 addresses, each heartbeating punctually (the most standing a newcomer
 *   can have) and reporting as fast as the rate limit lets them (until it
 *   answers 429), move neither their victim nor the agent they farm by more
 *   than 0.05 (by nothing: the first hour is a probation);
 * - the same reports from long-standing healthy agents move a score as the
 *   design intends: past a tier boundary in one window, and from 0.5 to elite
 *   within a day of steady reports;
 * - reports from an `unknown` or `offline` reporter count for nothing, however
 *   old it is;
 * - with two instances on one database, the per-target window cap holds for
 *   concurrent reports (PostgreSQL).
 *
 * Standing is measured in time, not in heartbeats, so the heartbeat interval is
 * 5 minutes here: the same standing with far fewer requests than at 10 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";
import { openStore } from "../../src/server/store/open.js";
import type { Store } from "../../src/server/store/store.js";
import { createSchema, type TestSchema } from "../scale/pg.js";
import { ADMIN, card } from "../helpers.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The default `--rate-limit`: writes per client per second. */
const RATE_LIMIT = 20;

interface Instance {
  app: App;
  store: Store;
}

interface Backend {
  /** A database URL for `--database`; the same one for every instance of a test. */
  database(): Promise<string>;
  cleanup(): Promise<void>;
}

const sqliteBackend = (): Backend => {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-sybil-"));
  return { database: async () => `sqlite:${join(dir, "agentmesh.db")}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
};

const postgresBackend = (): Backend => {
  let schema: TestSchema | undefined;
  return {
    async database() {
      schema ??= await createSchema();
      return schema.url;
    },
    cleanup: async () => schema?.drop(),
  };
};

for (const [name, backend] of [
  ["sqlite", sqliteBackend],
  ["postgres", postgresBackend],
] as const) {
  describe(`trust resists throwaway agents (${name})`, () => {
    let now: number;
    let db: Backend;
    let instances: Instance[];
    const clock = { now: () => now };

    async function instance(): Promise<Instance> {
      // The default rate limit (20 writes per second per client) stays on: it is what paces the flood.
      const config = loadConfig({ flags: { database: await db.database(), adminToken: ADMIN, heartbeatInterval: "5m", offlineAfter: "15m", logLevel: "silent" } });
      const store = await openStore(config);
      await store.migrate();
      const app = await createApp({ config, store, clock, logger: pino({ level: "silent" }) });
      await app.http.ready();
      const it = { app, store };
      instances.push(it);
      return it;
    }

    beforeEach(() => {
      now = Date.parse("2026-06-01T00:00:00Z");
      db = backend();
      instances = [];
    });

    afterEach(async () => {
      for (const { app, store } of instances) {
        await app.close(0);
        await store.close();
      }
      await db.cleanup();
    });

    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    /** One request; a 429 is waited out as its Retry-After says (in real time: the rate limit keeps real time). */
    async function send(app: App, method: "POST" | "GET", url: string, token?: string, body?: unknown, ip = "127.0.0.1") {
      for (;;) {
        const res = await app.http.inject({
          method,
          url,
          remoteAddress: ip,
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(body === undefined ? {} : { payload: body as object }),
        });
        if (res.statusCode !== 429) return res;
        await sleep(Number(res.headers["retry-after"] ?? 1) * 1000);
      }
    }

    async function registerAgent(app: App, id: string, ip = "127.0.0.1"): Promise<string> {
      const res = await send(app, "POST", "/api/v1/agents", undefined, card(id), ip);
      expect(res.statusCode, res.body).toBe(201);
      return res.json().agent_token;
    }

    async function beat(app: App, id: string, token: string, ip = "127.0.0.1") {
      const res = await send(app, "POST", `/api/v1/agents/${id}/heartbeat`, token, undefined, ip);
      expect(res.statusCode, res.body).toBe(200);
    }

    const score = async (app: App, id: string): Promise<number> => (await send(app, "GET", `/api/v1/agents/${id}`)).json().trust_score;

    async function exactScore(store: Store, id: string): Promise<number> {
      return (await store.getAgent(id))!.trust_raw;
    }

    /**
     * Reports as fast as the rate limit lets one client: one after another until one is refused with 429
     * (or three seconds' worth were accepted, on a machine too slow to reach the limit), taking the targets in turn.
     */
    async function flood(app: App, token: string, targets: { subject: string; outcome: string }[], ip = "127.0.0.1"): Promise<{ accepted: number; weight: number }> {
      let accepted = 0;
      let weight = 0;
      while (accepted < 3 * RATE_LIMIT) {
        const { subject, outcome } = targets[accepted % targets.length];
        const res = await app.http.inject({
          method: "POST",
          url: `/api/v1/agents/${subject}/reports`,
          remoteAddress: ip,
          headers: { authorization: `Bearer ${token}` },
          payload: { outcome },
        });
        if (res.statusCode === 429) break;
        expect(res.statusCode, res.body).toBe(202);
        accepted++;
        weight += res.json().weight;
      }
      return { accepted, weight };
    }

    /** Agents act side by side, ten at a time, as separate clients would. */
    async function inBatches<T>(items: T[], act: (item: T) => Promise<void>) {
      for (let i = 0; i < items.length; i += 10) await Promise.all(items.slice(i, i + 10).map(act));
    }

    // Generous timeouts: thousands of requests, on machines that may be shared.
    it("100 agents younger than 10 minutes, from one address or from 100, move a score by at most 0.05", { timeout: 180_000 }, async () => {
      const { app, store } = await instance();
      const targets = ["victim-1", "rival-1", "victim-100", "rival-100"];
      for (const id of targets) await registerAgent(app, id);
      now += 30 * DAY;
      const start = now;
      const ipOf = (group: string, i: number) => (group === "1" ? "10.1.0.1" : `10.100.${Math.floor(i / 200)}.${(i % 200) + 1}`);
      const sybils: { id: string; token: string; group: "1" | "100"; ip: string }[] = [];
      for (const group of ["1", "100"] as const) {
        for (let i = 0; i < 100; i++) {
          const id = `sybil-${group}-${i}`;
          sybils.push({ id, group, ip: ipOf(group, i), token: await registerAgent(app, id, ipOf(group, i)) });
        }
      }
      const before = Object.fromEntries(await Promise.all(targets.map(async (id) => [id, await exactScore(store, id)] as const)));
      let accepted = 0;
      let weight = 0;
      // Punctual heartbeats from registration on (a healthy run as long as their age), then, at 9:59, when their
      // standing is the most a newcomer's can be, each reports until the rate limit stops it. (The whole 10 minutes
      // at 20 reports a second, 1.2 million reports, is played through the rules in domain/trust.test.ts.)
      for (const at of [0, 5 * MIN, 10 * MIN - 1000]) {
        now = start + at;
        await inBatches(sybils, (s) => beat(app, s.id, s.token, s.ip));
      }
      await inBatches(sybils, async (s) => {
        const r = await flood(app, s.token, [{ subject: `victim-${s.group}`, outcome: "failure" }, { subject: `rival-${s.group}`, outcome: "success" }], s.ip);
        accepted += r.accepted;
        weight += r.weight;
      });
      // Each got at least a second's allowance, less its three heartbeats, which share its rate-limit key and
      // (the clock above is fake, the limiter's window real) may all fall in the same second as its flood.
      expect(accepted).toBeGreaterThanOrEqual(sybils.length * (RATE_LIMIT - 3));
      for (const id of targets) {
        const moved = Math.abs((await exactScore(store, id)) - before[id]);
        expect(moved, id).toBeLessThanOrEqual(0.05);
        expect(await score(app, id), id).toBeCloseTo(0.5, 1);
      }
      // Accepted (202), and weighed nothing: an agent's first hour is its probation.
      expect(weight).toBe(0);
    });

    it("the same reports from long-standing healthy agents move the score as designed: a tier in one window, elite within a day", { timeout: 180_000 }, async () => {
      const { app, store } = await instance();
      await registerAgent(app, "victim");
      await registerAgent(app, "rising");
      const veterans: { id: string; token: string }[] = [];
      for (let i = 0; i < 5; i++) veterans.push({ id: `veteran-${i}`, token: await registerAgent(app, `veteran-${i}`) });
      now += 30 * DAY;
      const beatAll = async () => {
        for (const v of veterans) await beat(app, v.id, v.token);
      };
      // An hour of punctual heartbeats: full standing.
      for (let t = 0; t <= HOUR; t += 5 * MIN) {
        now += t === 0 ? 0 : 5 * MIN;
        await beatAll();
      }
      let weight = 0;
      for (const v of veterans) weight += (await flood(app, v.token, [{ subject: "victim", outcome: "failure" }])).weight;
      // The window's cap (2 full reports per hour), reached at once; then the victim is past a tier boundary.
      expect(weight).toBeCloseTo(2, 9);
      expect(0.5 - (await exactScore(store, "victim"))).toBeGreaterThan(0.05);
      expect((await send(app, "GET", "/api/v1/agents/victim")).json().trust_tier).toBe("experimental");

      // Steady successes, each veteran once every 10 minutes, while all keep heartbeating.
      let hours = 0;
      while ((await score(app, "rising")) < 0.8 && hours < 48) {
        for (let slot = 0; slot < 6; slot++) {
          now += 5 * MIN;
          await beatAll();
          now += 5 * MIN;
          await beatAll();
          for (const v of veterans) {
            const res = await send(app, "POST", "/api/v1/agents/rising/reports", v.token, { outcome: "success" });
            expect(res.statusCode).toBe(202);
          }
        }
        hours++;
      }
      const trust = (await send(app, "GET", "/api/v1/agents/rising/trust")).json();
      expect(trust.tier).toBe("elite");
      // About 30 full-weight successes lift 0.5 to 0.8; at 2 per hour that is 15 hours.
      expect(hours).toBeGreaterThanOrEqual(14);
      expect(hours).toBeLessThanOrEqual(24);
    });

    it("reports from an unknown or offline reporter count for nothing, however old it is", { timeout: 60_000 }, async () => {
      const { app, store } = await instance();
      await registerAgent(app, "subject");
      const silent = await registerAgent(app, "never-beats");
      const lapsed = await registerAgent(app, "lapsed");
      now += 30 * DAY;
      for (let t = 0; t <= HOUR; t += 5 * MIN) {
        now += t === 0 ? 0 : 5 * MIN;
        await beat(app, "lapsed", lapsed);
      }
      now += 16 * MIN;
      await app.registry.sweep();
      expect((await send(app, "GET", "/api/v1/agents/lapsed")).json().health_status).toBe("offline");
      expect((await send(app, "GET", "/api/v1/agents/never-beats")).json().health_status).toBe("offline");
      const before = (await store.getAgent("subject"))!;
      for (const token of [silent, lapsed]) {
        for (const outcome of ["failure", "success", "timeout"]) {
          const res = await send(app, "POST", "/api/v1/agents/subject/reports", token, { outcome });
          expect(res.statusCode).toBe(202);
          expect(res.json()).toMatchObject({ weight: 0, trust_score: before.trust_score });
        }
      }
      expect(await store.getAgent("subject")).toEqual(before);

      // `unknown` as well: an old agent that never sent a heartbeat and is not yet swept.
      await registerAgent(app, "fresh-subject");
      const never = await registerAgent(app, "old-but-unknown");
      now += 10 * MIN;
      expect((await send(app, "GET", "/api/v1/agents/old-but-unknown")).json().health_status).toBe("unknown");
      const res = await send(app, "POST", "/api/v1/agents/fresh-subject/reports", never, { outcome: "failure" });
      expect(res.json()).toMatchObject({ weight: 0, trust_score: 0.5 });
      // Self-reports stay refused.
      const self = await send(app, "POST", "/api/v1/agents/lapsed/reports", lapsed, { outcome: "success" });
      expect(self.statusCode).toBe(400);
      expect(self.json().code).toBe("self_report");
    });

    it("the window cap holds for concurrent reports through two instances on one database", { timeout: 60_000 }, async () => {
      const a = await instance();
      const b = await instance();
      await registerAgent(a.app, "shared-target");
      const veterans: string[] = [];
      for (let i = 0; i < 10; i++) veterans.push(await registerAgent(a.app, `vet-${i}`));
      now += 30 * DAY;
      for (let t = 0; t <= HOUR; t += 5 * MIN) {
        now += t === 0 ? 0 : 5 * MIN;
        for (let i = 0; i < veterans.length; i++) await beat(i % 2 ? a.app : b.app, `vet-${i}`, veterans[i]);
      }
      const results = await Promise.all(
        veterans.map((token, i) => send(i % 2 ? a.app : b.app, "POST", "/api/v1/agents/shared-target/reports", token, { outcome: "success" })),
      );
      const applied = results.reduce((sum, r) => sum + r.json().weight, 0);
      expect(applied).toBeCloseTo(2, 9);
      const row = (await a.store.getAgent("shared-target"))!;
      expect(row.reports_window_weight).toBeCloseTo(2, 9);
      expect(row.trust_raw).toBeCloseTo(1 - 0.5 * 0.97 ** 2, 9);
    });
  });
}
