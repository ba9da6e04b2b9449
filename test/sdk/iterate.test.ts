/**
 * `for await` over a subscription and over pages, against a real server: the
 * updates equal the event log (once, in order), leaving the loop closes the
 * stream, a consumer that falls behind pauses the stream instead of buffering
 * without bound and then catches up with nothing lost or repeated, and a fatal
 * error ends the loop by throwing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, type ConnectionState, type SubscriptionUpdate } from "@agentmesh/client";
import { ADMIN, card, startTestServer, waitFor } from "../helpers.js";
import { FAST, logAfter, RestartableServer } from "./support.js";

const server = new RestartableServer(FAST);
beforeAll(() => server.start());
afterAll(() => server.destroy());

const ids = (updates: SubscriptionUpdate[]) => updates.flatMap((u) => ("id" in u ? [u.id] : []));
const subscribers = async () => (await new AgentMeshClient({ url: server.url, token: ADMIN }).stats()).subscribers;

describe("for await over subscribe()", () => {
  it("needs no options: the snapshot, then every event once and in order; break closes the stream", async () => {
    const writer = new AgentMeshClient({ url: server.url });
    await writer.register(card("it-a"));
    const sub = new AgentMeshClient({ url: server.url }).subscribe();
    const got: SubscriptionUpdate[] = [];
    let expected: number[] = [];
    for await (const u of sub) {
      got.push(u);
      if (u.type === "snapshot") {
        expect(u.agents.map((a) => a.id)).toContain("it-a");
        await writer.update("it-a", { version: "2.0.0" });
        await writer.heartbeat({ status: "degraded" });
        expected = (await logAfter(server.url, u.cursor)).map((e) => e.id);
      }
      if (expected.length > 0 && ids(got).length >= expected.length) break;
    }
    expect(got[0]).toMatchObject({ type: "snapshot", reason: "initial" });
    expect(ids(got)).toEqual(expected);
    expect(sub.state).toBe("closed");
    expect(await sub.done).toBeNull();
    await waitFor(async () => (await subscribers()) === 0, "the server to drop the stream");
  });

  it("a consumer slower than the stream pauses it at bufferSize and resumes with nothing lost or repeated", async () => {
    const writer = new AgentMeshClient({ url: server.url });
    await writer.register(card("it-slow"));
    const states: ConnectionState[] = [];
    const sub = new AgentMeshClient({ url: server.url }).subscribe({ snapshot: false, bufferSize: 4, onStatus: (s) => states.push(s) });
    await sub.ready;
    const start = sub.lastEventId;
    for (let i = 1; i <= 20; i++) await writer.update("it-slow", { version: `1.0.${i}` });

    // Nobody reads: at most bufferSize updates wait (and one on offer), then the stream is closed.
    await waitFor(() => sub.state === "paused", "the stream to pause");
    expect(sub.lastEventId - start).toBeLessThanOrEqual(5);
    await waitFor(async () => (await subscribers()) === 0, "the paused stream's connection to close");

    const log = await logAfter(server.url, start);
    expect(log.length).toBeGreaterThanOrEqual(20);
    const got: SubscriptionUpdate[] = [];
    for await (const u of sub) {
      got.push(u);
      if (ids(got).length >= log.length) break;
    }
    expect(ids(got)).toEqual(log.map((e) => e.id));
    expect(got.map((u) => u.type)).toEqual(log.map((e) => e.type));
    expect(states.filter((s) => s === "paused").length).toBeGreaterThanOrEqual(2); // paused, resumed, paused again…
    expect(states).toContain("live");
  });

  it("bounds a slow handler the same way", async () => {
    const writer = new AgentMeshClient({ url: server.url });
    await writer.register(card("it-slow-handler"));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const got: SubscriptionUpdate[] = [];
    const sub = new AgentMeshClient({ url: server.url }).subscribe({ snapshot: false, bufferSize: 3 }, async (u) => {
      got.push(u);
      await gate;
    });
    await sub.ready;
    const start = sub.lastEventId;
    for (let i = 1; i <= 10; i++) await writer.update("it-slow-handler", { version: `2.0.${i}` });
    await waitFor(() => sub.state === "paused", "the stream to pause");
    expect(got).toHaveLength(1);
    open();
    const log = await logAfter(server.url, start);
    await waitFor(() => ids(got).length >= log.length, "the handler to catch up");
    expect(ids(got).slice(0, log.length)).toEqual(log.map((e) => e.id));
    sub.close();
  });

  it("throws the error that ended the subscription", async () => {
    const locked = await startTestServer({ readToken: "read-token-0123456789" });
    try {
      const err = await (async () => {
        for await (const _ of new AgentMeshClient({ url: locked.url }).subscribe()) void _;
      })().catch((e) => e);
      expect(err).toMatchObject({ name: "AgentMeshError", code: "unauthorized", status: 401 });
    } finally {
      await locked.destroy();
    }
  });

  it("ends without an error when closed from elsewhere", async () => {
    const sub = new AgentMeshClient({ url: server.url }).subscribe({ snapshot: false });
    await sub.ready;
    setTimeout(() => sub.close(), 0);
    const got: SubscriptionUpdate[] = [];
    for await (const u of sub) got.push(u);
    expect(sub.state).toBe("closed");
  });

  it("is for subscriptions without a handler, and only once", () => {
    const withHandler = new AgentMeshClient({ url: server.url }).subscribe({}, () => {});
    expect(() => withHandler[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    withHandler.close();
    const plain = new AgentMeshClient({ url: server.url }).subscribe(() => {});
    expect(() => plain[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    plain.close();
    const bare = new AgentMeshClient({ url: server.url }).subscribe();
    bare[Symbol.asyncIterator]();
    expect(() => bare[Symbol.asyncIterator]()).toThrow(/iterated once/);
    bare.close();
  });
});

describe("for await over pages()", () => {
  it("yields every page of a query; listAll gathers the same agents", async () => {
    const c = new AgentMeshClient({ url: server.url });
    for (const id of ["pg-1", "pg-2", "pg-3", "pg-4", "pg-5"]) await new AgentMeshClient({ url: server.url }).register(card(id, { tags: ["paged"] }));
    const sizes: number[] = [];
    const seen: string[] = [];
    for await (const page of c.pages({ tag: "paged", sort: "name", limit: 2 })) {
      sizes.push(page.agents.length);
      seen.push(...page.agents.map((a) => a.id));
      expect(page.total).toBe(5);
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(["pg-1", "pg-2", "pg-3", "pg-4", "pg-5"]);
    expect((await c.listAll({ tag: "paged" })).agents.map((a) => a.id).sort()).toEqual(seen);
  });
});
