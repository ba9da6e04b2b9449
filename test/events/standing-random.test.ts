/**
 * The standing-query promise, randomized (issue 15, "Done when"): writers
 * change health, trust, tags and skills, register and deregister; watchers
 * with several selectors (some shared) follow the recipe — list with the
 * selector, stream with it from the list's cursor, add on `entered`/`stayed`,
 * drop on `left`, refetch on `reset` — and disconnect at random, resuming
 * with their last event id (on PostgreSQL, often on the other instance); in
 * the middle every server restarts. At the end each watcher's view equals
 * the list answered by the same selector, agent for agent and revision for
 * revision. SQLite and PostgreSQL; the seed is printed on failure.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createRandom, type Random } from "../../src/cli/sim/random.js";
import { api, register, waitFor, type RawStream, type TestServer } from "../helpers.js";
import { Deployment, type Kind } from "./support.js";

let deployment: Deployment | undefined;

afterEach(async () => {
  await deployment?.destroy();
  deployment = undefined;
});

const SELECTORS = ["tag=a", "tag=a&health=healthy", "skill=s1&health=healthy,degraded", "min_trust=0.5&tag=b", "tag=b&tag=c", "q=agent-1", "tier=experimental,reliable&skill=s2"];
const TAGS = ["a", "b", "c"];
const SKILLS = ["s1", "s2", "s3"];
const STATUSES = ["healthy", "degraded", "unhealthy"] as const;

/** What a watcher holds: agent id → revision (and health, trust, for the failure message). */
type View = Map<string, string>;
const summary = (a: { revision: number; health_status: string; trust_score: number }) => `r${a.revision} ${a.health_status} ${a.trust_score}`;

class Watcher {
  view: View = new Map();
  last = 0;
  stream: RawStream | undefined;
  private consumed = 0;
  resets = 0;
  matches = 0;

  constructor(
    readonly query: string,
    private readonly dep: Deployment,
  ) {}

  /** The recipe's first step: list with the selector; the view is its answer as of its cursor. */
  async refetch(server: TestServer): Promise<void> {
    const list = await api(server.url, "GET", `/api/v1/agents?${this.query}&limit=1000`);
    if (list.status !== 200) throw new Error(`${this.query}: ${list.status}`);
    this.view = new Map(list.body.agents.map((a: any) => [a.id, summary(a)]));
    this.last = list.body.cursor;
  }

  async connect(server: TestServer): Promise<void> {
    this.stream = await this.dep.stream(server, `?${this.query}&last_event_id=${this.last}`);
    this.consumed = 0;
  }

  /** Applies what arrived; true when a reset asks for a refetch. */
  pump(): boolean {
    const frames = this.stream?.frames ?? [];
    for (; this.consumed < frames.length; this.consumed++) {
      const f = frames[this.consumed];
      if (f.event === "reset") {
        this.resets++;
        this.consumed = frames.length;
        return true;
      }
      const e = JSON.parse(f.data);
      if (e.match === "left") this.view.delete(e.agent_id);
      else if (e.match === "entered" || e.match === "stayed") this.view.set(e.agent_id, summary(e.agent));
      else throw new Error(`${this.query}: event ${f.id} without match`);
      this.matches++;
      this.last = Number(f.id);
    }
    return false;
  }

  /** Follows the stream: applies events, and on a reset refetches and reconnects to `server`. */
  async follow(server: TestServer): Promise<void> {
    if (this.pump()) {
      this.stream?.close();
      await this.refetch(server);
      await this.connect(server);
    }
  }

  disconnect(): void {
    this.pump();
    this.stream?.close();
    this.stream = undefined;
  }
}

interface Fleet {
  tokens: Map<string, string>;
  next: number;
}

async function write(rng: Random, s: TestServer, fleet: Fleet): Promise<void> {
  const ids = [...fleet.tokens.keys()];
  const id = rng.pick(ids);
  const token = fleet.tokens.get(id)!;
  const roll = rng.next();
  let r;
  if (roll < 0.4) r = await api(s.url, "POST", `/api/v1/agents/${id}/heartbeat`, { status: rng.pick(STATUSES) }, token);
  else if (roll < 0.55) r = await api(s.url, "PATCH", `/api/v1/agents/${id}`, { tags: rng.sample(TAGS, rng.int(0, 3)) }, token);
  else if (roll < 0.7) r = await api(s.url, "PATCH", `/api/v1/agents/${id}`, { skills: rng.sample(SKILLS, rng.int(0, 3)).map((name) => ({ name, description: name })) }, token);
  else if (roll < 0.85) {
    // A report from another agent moves trust.
    const reporter = rng.pick(ids.filter((x) => x !== id));
    if (!reporter) return;
    r = await api(s.url, "POST", `/api/v1/agents/${id}/reports`, { outcome: rng.pick(["success", "failure"] as const) }, fleet.tokens.get(reporter));
  } else if (roll < 0.93 || ids.length < 4) {
    const fresh = `agent-${fleet.next++}`;
    fleet.tokens.set(fresh, await register(s.url, fresh, { tags: rng.sample(TAGS, rng.int(0, 3)), skills: rng.sample(SKILLS, rng.int(1, 2)).map((name) => ({ name, description: name })) }));
    return;
  } else {
    r = await api(s.url, "DELETE", `/api/v1/agents/${id}`, undefined, token);
    fleet.tokens.delete(id);
  }
  if (r.status >= 300 && r.status !== 409) throw new Error(`write ${id}: ${r.status} ${JSON.stringify(r.body)}`);
}

describe.each(["sqlite", "postgres"] as const)("standing queries, randomized (%s)", (kind: Kind) => {
  it("every watcher's view equals the list answered by its selector at the end", async () => {
    const seed = Date.now() % 100_000;
    const rng = createRandom(`standing-${kind}-${seed}`);
    deployment = await Deployment.create(kind);
    const instances = kind === "postgres" ? 2 : 1;
    let servers = await Promise.all(Array.from({ length: instances }, () => deployment!.start()));
    const fleet: Fleet = { tokens: new Map(), next: 0 };
    for (; fleet.next < 8; ) {
      const id = `agent-${fleet.next++}`;
      fleet.tokens.set(id, await register(servers[0].url, id, { tags: rng.sample(TAGS, rng.int(0, 3)), skills: rng.sample(SKILLS, rng.int(1, 2)).map((name) => ({ name, description: name })) }));
    }
    // Several watchers per selector, so equal selectors share frames.
    const watchers = [...SELECTORS, ...SELECTORS.slice(0, 4)].map((q) => new Watcher(q, deployment!));
    for (const w of watchers) {
      const server = rng.pick(servers);
      await w.refetch(server);
      await w.connect(server);
    }
    const ROUNDS = 160;
    for (let round = 0; round < ROUNDS; round++) {
      const writer = rng.pick(servers);
      await write(rng, writer, fleet);
      for (const w of watchers) await w.follow(rng.pick(servers));
      if (rng.chance(0.15)) {
        const w = rng.pick(watchers);
        w.disconnect();
        // Let some events pass it by before it resumes.
        if (rng.chance(0.5)) await write(rng, writer, fleet);
        await w.connect(rng.pick(servers));
      }
      if (round === ROUNDS / 2) {
        for (const w of watchers) w.disconnect();
        for (const server of servers) await deployment.stop(server);
        servers = await Promise.all(Array.from({ length: instances }, () => deployment!.start()));
        for (const w of watchers) await w.connect(rng.pick(servers));
      }
    }
    const final = servers[0];
    const answer = async (q: string): Promise<View> => {
      const list = await api(final.url, "GET", `/api/v1/agents?${q}&limit=1000`);
      return new Map(list.body.agents.map((a: any) => [a.id, summary(a)]));
    };
    for (const w of watchers) {
      const expected = await answer(w.query);
      await waitFor(
        async () => {
          await w.follow(final);
          return JSON.stringify([...w.view].sort()) === JSON.stringify([...expected].sort());
        },
        `watcher ${w.query} (seed ${seed}) to hold ${JSON.stringify([...expected].sort())}; holds ${JSON.stringify([...w.view].sort())}`,
      ).catch((err) => {
        expect([...w.view].sort(), `${w.query}, seed ${seed}: ${err.message}`).toEqual([...expected].sort());
      });
    }
    // The selectors were exercised: agents entered and left, and no stream needed a reset (every event has its prior).
    expect(watchers.reduce((n, w) => n + w.matches, 0)).toBeGreaterThan(100);
    expect(watchers.reduce((n, w) => n + w.resets, 0)).toBe(0);
    const sizes = await Promise.all(SELECTORS.map(answer));
    expect(sizes.some((v) => v.size > 0)).toBe(true);
  }, 240_000);
});
