/**
 * Losing an instance: subscribers connected to it are cut off by `kill -9`,
 * reconnect (as through a load balancer) to another instance with
 * Last-Event-ID, and end up with every event exactly once, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card, waitFor } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "./cluster.js";
import { createSchema, type TestSchema } from "./pg.js";
import { FailoverSubscriber } from "./sse.js";

describe("an instance killed with subscribers connected", () => {
  let schema: TestSchema;
  let nodes: Instance[] = [];
  const subs: FailoverSubscriber[] = [];

  beforeAll(async () => {
    schema = await createSchema();
    nodes = await startCluster(3, schema.url);
  }, 60_000);

  afterAll(async () => {
    for (const s of subs) s.close();
    await stopAll(nodes);
    await schema?.drop();
  });

  it("its subscribers resume on another instance with Last-Event-ID and miss nothing", async () => {
    const [a, b, victim] = nodes;
    // Four subscribers on the victim (failing over to a, then b), one on a for comparison.
    for (let i = 0; i < 4; i++) subs.push(new FailoverSubscriber([victim.url, a.url, b.url], 0));
    const control = new FailoverSubscriber([a.url], 0);
    subs.push(control);
    await Promise.all(subs.map((s) => s.ready));

    // Writers keep registering agents through all three instances, then through the survivors.
    let writing = true;
    let victimDead = false;
    let written = 0;
    const writer = async (k: number) => {
      for (let n = 0; writing; n++) {
        const node = nodes[(k + n) % 3];
        if (node === victim && victimDead) continue;
        const r = await api(node.url, "POST", "/api/v1/agents", card(`w${k}-${n}`)).catch(() => null);
        if (r?.status === 201) written++;
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));

    await waitFor(() => subs.every((s) => s.events.length >= 20), "events before the kill", 20_000);
    await victim.crash();
    victimDead = true;
    const before = written;
    await waitFor(() => subs.slice(0, 4).every((s) => s.connections.length >= 2), "the victim's subscribers to reconnect elsewhere", 20_000);
    await waitFor(() => written >= before + 30, "writes after the kill", 20_000);
    writing = false;
    await writers;

    const last = (await api(a.url, "GET", "/api/v1/stats")).body.events.last_id as number;
    await waitFor(() => subs.every((s) => s.events.length >= last), `every subscriber to reach event ${last}`, 20_000);
    const expected = Array.from({ length: last }, (_, i) => i + 1);
    for (const sub of subs) {
      expect(sub.ids()).toEqual(expected);
      expect(sub.resets).toEqual([]);
      expect(sub.events.map((e) => e.agent_id)).toEqual(control.events.map((e) => e.agent_id));
    }
    for (const sub of subs.slice(0, 4)) {
      expect(sub.connections.slice(0, 2)).toEqual([victim.url, a.url]);
      // It really did get events from both sides of the failover.
      expect(sub.events.some((e) => e.via === victim.url) && sub.events.some((e) => e.via === a.url)).toBe(true);
    }
  });
});
