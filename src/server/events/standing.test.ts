/**
 * Standing queries in the hub, with in-memory sinks: selector streams get the
 * `match` frames; streams whose selectors have the same canonical key share
 * one Buffer per flush; the window and the store give a resumed stream
 * the same bytes; an event without a prior record resets selector streams only.
 */
import { describe, expect, it } from "vitest";
import type { Agent } from "../../shared/agent.js";
import { parseSelector, type Selector } from "../../shared/selector.js";
import type { StoredEvent } from "../store/store.js";
import { Hub, type Sink } from "./hub.js";
import { priorOf } from "./prior.js";
import { entryOf, pickForSelector } from "./standing.js";

class MemorySink implements Sink {
  readonly client = "c";
  writes: Buffer[] = [];
  write(bytes: Buffer) {
    this.writes.push(bytes);
    return 0;
  }
  buffered = () => 0;
  drained = async () => {};
  end() {}
  destroy() {}
  text = () => this.writes.map((b) => b.toString()).join("");
  matches = () => [...this.text().matchAll(/id: (\d+)\n[^]*?"match":"(\w+)"\}\n\n/g)].map((m) => [Number(m[1]), m[2]]);
}

const selector = (q: string): Selector => {
  const parsed = parseSelector(q);
  if (!parsed.ok) throw new Error("bad selector");
  return parsed.selector;
};

const base = { id: "a", name: "A", description: "", protocol: "http", tags: ["x"], skills: [], provider: null, health_status: "healthy", trust_score: 0.5 } as unknown as Agent;

/** A health event of agent a from `from` to `to`, with its prior record (null: written before priors). */
function health(id: number, from: string, to: string, withPrior = true): StoredEvent {
  const before = { ...base, health_status: from } as Agent;
  const after = { ...base, health_status: to } as Agent;
  const payload = JSON.stringify({ type: "agent_health_changed", agent_id: "a", status: to, previous_status: from, agent: after });
  return { id, type: "agent_health_changed", agentId: "a", at: 0, payload, prior: withPrior ? JSON.stringify(priorOf(before, after)) : null };
}

const LOG = [health(1, "healthy", "degraded"), health(2, "degraded", "healthy"), health(3, "healthy", "healthy")];

function makeHub(log: StoredEvent[], windowSize?: number) {
  const store = {
    eventsAfter: async (after: number, limit: number) => log.filter((e) => e.id > after).slice(0, limit),
    eventBounds: async () => ({ oldest: log[0]?.id ?? null, last: log.at(-1)?.id ?? 0 }),
  };
  return new Hub({ store, keepaliveMs: 60_000, maxBufferedBytes: 1_000_000, windowSize });
}

const flush = () => new Promise((r) => setImmediate(r));

describe("standing queries in the hub", () => {
  it("classifies each event per selector, and streams with equal selector keys share one Buffer", async () => {
    const hub = makeHub([]);
    const sinks = [new MemorySink(), new MemorySink(), new MemorySink(), new MemorySink()];
    hub.subscribe(sinks[0], {}, undefined, selector("health=healthy&tag=x"));
    hub.subscribe(sinks[1], {}, undefined, selector("tag=X&health=healthy&health=healthy"));
    hub.subscribe(sinks[2], {}, undefined, selector("tag=x&health=healthy,degraded"));
    hub.subscribe(sinks[3], {}, undefined);
    hub.publish(LOG);
    await flush();
    expect(sinks[0].matches()).toEqual([
      [1, "left"],
      [2, "entered"],
      [3, "stayed"],
    ]);
    // Same canonical key: the very same Buffer.
    expect(sinks[1].writes).toHaveLength(1);
    expect(sinks[1].writes[0]).toBe(sinks[0].writes[0]);
    // Another selector: its own chunk, the same matches where they agree.
    expect(sinks[2].matches()).toEqual([
      [1, "stayed"],
      [2, "stayed"],
      [3, "stayed"],
    ]);
    expect(sinks[2].writes[0]).not.toBe(sinks[0].writes[0]);
    // A plain stream: the frames as written, no match.
    expect(sinks[3].text()).not.toContain('"match"');
    expect(sinks[3].text()).toContain(LOG[0].payload);
  });

  it("gives a resumed stream the same bytes from the window and from the store as it got live", async () => {
    const live = new MemorySink();
    const hub = makeHub(LOG);
    hub.subscribe(live, {}, undefined, selector("health=healthy"));
    hub.publish(LOG);
    await flush();
    const fromWindow = new MemorySink();
    await hub.subscribe(fromWindow, {}, 0, selector("health=healthy")).ready;
    hub.forgetWindow();
    const fromStore = new MemorySink();
    await hub.subscribe(fromStore, {}, 0, selector("health=healthy")).ready;
    expect(live.matches()).toEqual([
      [1, "left"],
      [2, "entered"],
      [3, "stayed"],
    ]);
    expect(fromWindow.text()).toBe(live.text());
    expect(fromStore.text()).toBe(live.text());
  });

  it("an event without a prior record resets selector streams (live and on resume) and passes plain ones", async () => {
    const log = [LOG[0], health(2, "degraded", "healthy", false), LOG[2]];
    const hub = makeHub(log);
    const selective = new MemorySink();
    const plain = new MemorySink();
    hub.subscribe(selective, {}, undefined, selector("health=healthy"));
    hub.subscribe(plain, {}, undefined);
    hub.publish(log);
    await flush();
    expect(selective.text()).toContain('"reason":"match_unknown"');
    expect(selective.text()).not.toContain('"match"');
    expect(plain.text()).not.toContain("reset");
    hub.forgetWindow();
    const resumed = new MemorySink();
    await hub.subscribe(resumed, {}, 0, selector("health=healthy")).ready;
    expect(resumed.text()).toContain('"reason":"match_unknown"');
    expect(resumed.matches()).toEqual([]);
    expect(hub.metrics.resets).toBe(2);
  });

  it("builds an event's match frame once, shared by every selector that gets that match", () => {
    const entry = entryOf(LOG[2]);
    const a = pickForSelector(selector("health=healthy"), entry);
    const b = pickForSelector(selector("tag=x&protocol=http"), entry);
    expect(a).toBeInstanceOf(Buffer);
    expect(b).toBe(a);
    expect(a!.toString()).toBe(`id: 3\nevent: agent_health_changed\ndata: ${LOG[2].payload.slice(0, -1)},"match":"stayed"}\n\n`);
    expect(pickForSelector(selector("tag=y"), entry)).toBeNull();
    expect(Object.keys(entry.variants!)).toEqual(["stayed"]);
  });
});
