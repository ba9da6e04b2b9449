/**
 * Every call takes `{ signal }`: an aborted call rejects with `aborted`
 * (name AbortError, not retryable), not `timeout` or `unreachable`, also while
 * the request is in flight; loops and subscriptions stop as by stop()/close().
 * In-flight cases use a real HTTP server that accepts requests and never answers.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, AgentMeshError, type HeartbeatResponse } from "@agentmesh/client";
import { card, startTestServer, waitFor, type TestServer } from "../helpers.js";
import { countingFetch } from "./support.js";

let server: TestServer;
let silent: Server;
let silentUrl = "";
let pending = 0; // requests the silent server has received and holds
const counting = countingFetch();

beforeAll(async () => {
  server = await startTestServer();
  silent = createServer(() => void pending++);
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
});
afterAll(async () => {
  silent.closeAllConnections();
  silent.close();
  await server.destroy();
});

function expectAborted(err: unknown) {
  expect(err).toBeInstanceOf(AgentMeshError);
  expect(err).toMatchObject({ name: "AbortError", code: "aborted", status: 0, retryable: false });
}

describe("AbortSignal", () => {
  it("an already aborted signal rejects every call before any request", async () => {
    const c = new AgentMeshClient({ url: server.url, fetch: counting });
    await c.register(card("abort-own"));
    const signal = AbortSignal.abort();
    const before = counting.calls;
    const calls = [
      () => c.get("abort-own", { signal }),
      () => c.list({}, { signal }),
      () => c.listAll({}, { signal }),
      () => c.history({}, { signal }),
      () => c.stats({ signal }),
      () => c.trust("abort-own", { signal }),
      () => c.health("abort-own", { signal }),
      () => c.update("abort-own", { version: "2.0.0" }, { signal }),
      () => c.heartbeat({}, { signal }),
      () => c.heartbeat({}, signal),
      () => c.report("someone", { outcome: "success" }, { signal }),
      () => c.register(card("abort-new"), { signal }),
      () => c.deregister({ signal }),
    ];
    for (const call of calls) expectAborted(await call().catch((e) => e));
    expect(counting.calls).toBe(before);
    expect((await c.get("abort-own")).version).toBe("1.0.0");
  });

  it("aborting a request in flight rejects it at once with aborted, not timeout", async () => {
    const c = new AgentMeshClient({ url: silentUrl, timeoutMs: 60_000 });
    for (const call of [(s: AbortSignal) => c.get("x", { signal: s }), (s: AbortSignal) => c.listAll({}, { signal: s }), (s: AbortSignal) => c.history({ after: 3 }, { signal: s })]) {
      const ctrl = new AbortController();
      const held = pending;
      const result = call(ctrl.signal).catch((e) => e);
      await waitFor(() => pending > held, "the request to reach the server");
      ctrl.abort(new Error("user cancelled"));
      const err = await result;
      expectAborted(err);
      expect(err.cause).toEqual(new Error("user cancelled"));
    }
  });

  it("the per-request timeout still says timeout when the caller's signal did not fire", async () => {
    const c = new AgentMeshClient({ url: silentUrl, timeoutMs: 200 });
    const err = await c.get("x", { signal: new AbortController().signal }).catch((e) => e);
    expect(err).toMatchObject({ code: "timeout", retryable: true });
  });

  it("pages() stops with aborted when the signal fires between pages", async () => {
    const c = new AgentMeshClient({ url: server.url, fetch: counting });
    for (const id of ["abort-p1", "abort-p2", "abort-p3"]) await new AgentMeshClient({ url: server.url }).register(card(id));
    const ctrl = new AbortController();
    const seen: number[] = [];
    const before = counting.calls;
    const err = await (async () => {
      for await (const page of c.pages({ q: "abort-p", limit: 1 }, { signal: ctrl.signal })) {
        seen.push(page.agents.length);
        ctrl.abort();
      }
    })().catch((e) => e);
    expectAborted(err);
    expect(seen).toEqual([1]);
    expect(counting.calls).toBe(before + 1);
  });

  it("a heartbeat loop's signal stops it like stop()", async () => {
    const c = new AgentMeshClient({ url: server.url });
    await c.register(card("abort-hb"));
    const ctrl = new AbortController();
    const beats: HeartbeatResponse[] = [];
    const loop = c.startHeartbeats({ signal: ctrl.signal, onBeat: (r) => beats.push(r) });
    await waitFor(() => beats.length >= 1, "a first beat");
    ctrl.abort();
    expect(await loop.done).toBeNull();
    expect(loop.running).toBe(false);

    const never = c.startHeartbeats({ signal: AbortSignal.abort() });
    expect(await never.done).toBeNull();
    expect(never.running).toBe(false);
  });

  it("a subscription's signal closes it; aborted before it opened, ready rejects with aborted", async () => {
    const c = new AgentMeshClient({ url: server.url });
    const ctrl = new AbortController();
    const sub = c.subscribe({ signal: ctrl.signal, snapshot: false }, () => {});
    await sub.ready;
    ctrl.abort();
    expect(sub.state).toBe("closed");
    expect(await sub.done).toBeNull();

    const early = c.subscribe({ signal: AbortSignal.abort() });
    expectAborted(await early.ready.catch((e) => e));
    expect(await early.done).toBeNull();

    const stopping = new AbortController();
    const during = new AgentMeshClient({ url: silentUrl, timeoutMs: 60_000 }).subscribe({ signal: stopping.signal });
    const held = pending;
    await waitFor(() => pending > held, "the snapshot request to reach the server");
    stopping.abort();
    expectAborted(await during.ready.catch((e) => e));
    expect(during.state).toBe("closed");
  });
});
