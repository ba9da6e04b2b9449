/**
 * watch() and the SDK's selector calls over real HTTP, against a small server
 * that speaks issue 15's wire contract (contract-server.ts): the answer read
 * through every keyset page, kept by the stream's `match` values, resumed
 * across dropped connections, listed again after a reset, and moved on by
 * bookmarks so a quiet stream resumes after pruning without a reset. The same
 * against the registry itself: watch-registry.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentMeshClient, AgentMeshError, type Agent, type SubscriptionUpdate, type WatchChange } from "@agentmesh/client";
import { matches, parseSelector } from "@agentmesh/client/selector";
import { waitFor } from "../helpers.js";
import { ContractServer, contractAgent } from "./contract-server.js";

let server: ContractServer;
const closers: { close(): void }[] = [];
beforeEach(async () => {
  server = await new ContractServer().start();
});
afterEach(async () => {
  for (const c of closers.splice(0)) c.close();
  await server.close();
});

const SELECTOR = "protocol=a2a&skill=summarize&min_trust=0.8";

/** The ids the server's list answers for `selector` now: what a watcher must hold. */
function truth(selector: string): string[] {
  const parsed = parseSelector(selector);
  if (!parsed.ok) throw new Error("bad selector in test");
  return [...server.agents.values()].filter((a) => matches(parsed.selector, a)).map((a) => a.id).sort();
}
const held = (agents: ReadonlyMap<string, Agent>) => [...agents.keys()].sort();
const describeChange = (c: WatchChange) => (c.type === "reset" ? `reset +${c.entered.map((a) => a.id)} -${c.left.map((a) => a.id)}` : `${c.type} ${c.agent.id}`);

function watch(selector = SELECTOR, onChange?: (c: WatchChange) => void) {
  const client = new AgentMeshClient({ url: server.url });
  const view = client.watch(selector, { onChange });
  closers.push(view);
  return view;
}

describe("watch() against the wire contract", () => {
  it("starts from every page of the list (following the continue token) and streams from the first page's cursor", async () => {
    for (let i = 0; i < 2100; i++) server.register(contractAgent(`a${String(i).padStart(4, "0")}`, { trust_score: i % 3 === 0 ? 0.5 : 0.9 }));
    const view = watch();
    await view.ready;
    expect(held(view.agents)).toEqual(truth(SELECTOR));
    expect(view.agents.size).toBe(1400);
    const lists = server.requests.filter((r) => r.startsWith("/api/v1/agents"));
    expect(lists).toHaveLength(2);
    expect(new URL(lists[1], "http://x").searchParams.get("continue")).toBeTruthy();
    for (const r of lists) expect(new URLSearchParams(r.split("?")[1]).get("min_trust")).toBe("0.8");
    const stream = server.requests.find((r) => r.startsWith("/api/v1/events"))!;
    const params = new URL(stream, "http://x").searchParams;
    expect(params.get("last_event_id")).toBe(String(server.head));
    expect(params.get("protocol")).toBe("a2a");
    expect(params.getAll("skill")).toEqual(["summarize"]);
  });

  it("adds agents that enter, updates those that stay (newer revisions only), removes those that leave or are deregistered", async () => {
    server.register(contractAgent("stays"));
    server.register(contractAgent("leaves"));
    server.register(contractAgent("goes"));
    server.register(contractAgent("never", { trust_score: 0.2 }));
    const changes: string[] = [];
    const view = watch(SELECTOR, (c) => changes.push(describeChange(c)));
    await view.ready;
    expect(held(view.agents)).toEqual(["goes", "leaves", "stays"]);

    server.register(contractAgent("enters", { trust_score: 0.3 })); // not a match: nothing
    server.update("enters", { trust_score: 0.95 });
    server.update("stays", { version: "2.0.0" });
    server.update("leaves", { trust_score: 0.1 });
    server.deregister("goes");
    server.update("never", { version: "9" }); // never matched: not even sent
    await waitFor(() => changes.length === 4, "four changes");
    expect(changes).toEqual(["entered enters", "updated stays", "left leaves", "left goes"]);
    expect(held(view.agents)).toEqual(truth(SELECTOR));
    expect(view.agents.get("stays")!.version).toBe("2.0.0");
    expect(view.lastEventId).toBe(server.log.at(-2)!.id); // the last event it was sent
  });

  it("resumes across a dropped connection without a reset, missing nothing", async () => {
    server.register(contractAgent("x"));
    const changes: string[] = [];
    const view = watch(SELECTOR, (c) => changes.push(describeChange(c)));
    await view.ready;
    server.dropStreams();
    server.register(contractAgent("y")); // while it is down
    server.update("x", { trust_score: 0.4 });
    await waitFor(() => changes.length === 2, "the changes made while down");
    expect(changes).toEqual(["entered y", "left x"]);
    expect(held(view.agents)).toEqual(["y"]);
    const resumes = server.requests.filter((r) => r.startsWith("/api/v1/events"));
    expect(resumes.length).toBeGreaterThanOrEqual(2);
  });

  it("after a reset, lists the answer again and reports what entered and left", async () => {
    server.register(contractAgent("old"));
    const changes: WatchChange[] = [];
    const view = watch(SELECTOR, (c) => changes.push(c));
    await view.ready;
    server.dropStreams();
    server.deregister("old");
    server.register(contractAgent("new"));
    server.prune(); // the view's position is gone: the server answers a reset
    await waitFor(() => changes.length > 0, "the reset");
    expect(changes.map(describeChange)).toEqual(["reset +new -old"]);
    expect(held(view.agents)).toEqual(["new"]);
    server.update("new", { trust_score: 0.1 });
    await waitFor(() => view.agents.size === 0, "live after the reset");
  });

  it("is iterable: for await gets each change from when it starts, and leaving the loop closes the view", async () => {
    const view = watch();
    await view.ready;
    const seen: string[] = [];
    const loop = (async () => {
      for await (const c of view) {
        seen.push(describeChange(c));
        if (seen.length === 2) break;
      }
    })();
    server.register(contractAgent("p"));
    server.register(contractAgent("q"));
    await loop;
    expect(seen).toEqual(["entered p", "entered q"]);
    expect(await view.done).toBeNull();
    expect(view.state).toBe("closed");
  });

  it("refuses a bad selector before sending anything, naming the bad part", () => {
    const client = new AgentMeshClient({ url: server.url });
    let err: unknown;
    try {
      client.watch("health=sick&min_trust=2");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentMeshError);
    expect((err as AgentMeshError).code).toBe("invalid_argument");
    expect((err as AgentMeshError).detail).toMatch(/health "sick" is not a health status/);
    expect((err as AgentMeshError).detail).toMatch(/min_trust must be from 0 to 1/);
    expect(() => client.watch({ protocol: ["ftp" as never] })).toThrow(/protocol "ftp"/);
    expect(() => client.subscribe({ selector: "colour=red" })).toThrow(/"colour" is not a selector parameter/);
    expect(() => client.list({ selector: "tier=gold" })).toThrow(/tier "gold" is not a trust tier/);
    expect(server.requests).toEqual([]);
  });
});

describe("bookmarks in the SDK (eventsource 4.x drops id-only blocks; the SDK rewrites them)", () => {
  it("a quiet selector stream moves its resume point on a bookmark and resumes after pruning without a reset", async () => {
    server.register(contractAgent("watched"));
    server.register(contractAgent("other", { trust_score: 0.1 }));
    const client = new AgentMeshClient({ url: server.url });
    const got: SubscriptionUpdate[] = [];
    const sub = client.subscribe({ selector: "min_trust=0.8", snapshot: false }, (u) => void got.push(u));
    closers.push(sub);
    await sub.ready;
    const start = sub.lastEventId;
    for (let i = 0; i < 5; i++) server.update("other", { version: `1.${i}` }); // not the stream's business
    server.bookmark();
    await waitFor(() => sub.lastEventId === server.head, "the bookmark to move the resume point");
    expect(sub.lastEventId).toBe(start + 5);
    expect(got).toEqual([]); // a bookmark hands nothing

    server.prune();
    server.dropStreams();
    server.update("watched", { version: "2.0.0" });
    await waitFor(() => got.length > 0, "the match after resuming");
    expect(got.map((u) => u.type)).toEqual(["agent_updated"]); // no reset before it
    expect(got[0]).toMatchObject({ agent_id: "watched", match: "stayed", id: start + 6 });
    // The EventSource's own reconnect sent the bookmark as Last-Event-ID.
    expect(server.resumedFrom.at(-1)).toBe(String(start + 5));
  });
});

describe("pages() and list() with a selector", () => {
  it("pages() follows the continue token, and a bad token is the server's invalid_continue", async () => {
    for (const id of ["c1", "c2", "c3", "c4", "c5"]) server.register(contractAgent(id));
    server.register(contractAgent("low", { trust_score: 0.1 }));
    const client = new AgentMeshClient({ url: server.url });
    const pages: string[][] = [];
    for await (const page of client.pages({ selector: { min_trust: 0.8 }, limit: 2 })) pages.push(page.agents.map((a) => a.id));
    expect(pages).toEqual([["c1", "c2"], ["c3", "c4"], ["c5"]]);
    const asked = server.requests.filter((r) => r.startsWith("/api/v1/agents")).map((r) => new URL(r, "http://x").searchParams);
    expect(asked.map((p) => p.get("continue") !== null)).toEqual([false, true, true]);
    expect(asked.map((p) => p.get("min_trust"))).toEqual(["0.8", "0.8", "0.8"]);
    expect(asked.slice(1).map((p) => p.get("offset"))).toEqual([null, null]); // by token, not by offset

    const err = await client.list({ selector: "min_trust=0.8", continue: "garbage" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentMeshError);
    expect((err as AgentMeshError).code).toBe("invalid_continue");
    expect((err as AgentMeshError).status).toBe(400);
  });

  it("refuses a part given both as a field and in the selector", () => {
    const client = new AgentMeshClient({ url: server.url });
    expect(() => client.list({ health: "healthy", selector: "health=degraded" })).toThrow(/health is given both/);
  });
});
