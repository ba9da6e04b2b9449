/**
 * Programmer errors are `invalid_argument`, not retryable, and fail before
 * any request: code following the README's "retry when retryable" advice must
 * not retry them forever. Every request the SDK makes goes through a counting
 * `fetch` in front of a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, AgentMeshError } from "@agentmesh/client";
import { card, startTestServer, type TestServer } from "../helpers.js";
import { countingFetch } from "./support.js";

let server: TestServer;
const counting = countingFetch();
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.destroy());

const client = (extra: Partial<ConstructorParameters<typeof AgentMeshClient>[0]> = {}) => new AgentMeshClient({ url: server.url, fetch: counting, ...extra });

function expectInvalid(err: unknown, detail: RegExp) {
  expect(err).toBeInstanceOf(AgentMeshError);
  expect(err).toMatchObject({ code: "invalid_argument", status: 0, retryable: false });
  expect((err as AgentMeshError).detail).toMatch(detail);
}

describe("programmer errors", () => {
  it.each([
    ["not a url", /is not a URL/],
    ["ftp://127.0.0.1:8000", /not an http\(s\) URL/],
    ["http://127.0.0.1:8000/?x=1", /query or fragment/],
    ["http://admin:secret@127.0.0.1:8000", /carries credentials/],
  ])("the constructor throws at once for url %j", (url, detail) => {
    let err: unknown;
    try {
      new AgentMeshClient({ url, fetch: counting });
    } catch (e) {
      err = e;
    }
    expectInvalid(err, detail);
  });

  it("the constructor refuses a timeout that is not a positive number", () => {
    for (const timeoutMs of [0, -1, Number.NaN, Infinity]) {
      expect(() => client({ timeoutMs })).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    }
  });

  it("calls that need the client's agent fail before any request when it has none", async () => {
    const c = client();
    const before = counting.calls;
    expectInvalid(await c.heartbeat().catch((e) => e), /heartbeat\(\) needs this client's agent/);
    expectInvalid(await c.report("someone", { outcome: "success" }).catch((e) => e), /register\(\) first/);
    expectInvalid(await c.deregister().catch((e) => e), /deregister\(\) needs an agent id/);
    let thrown: unknown;
    try {
      c.startHeartbeats();
    } catch (e) {
      thrown = e;
    }
    expectInvalid(thrown, /startHeartbeats\(\) needs this client's agent/);
    expect(counting.calls).toBe(before);
  });

  it("an empty or missing id fails before any request", async () => {
    const c = client();
    const before = counting.calls;
    for (const call of [() => c.get(""), () => c.trust(""), () => c.health(""), () => c.update("", { version: "2" }), () => c.deregister(""), () => c.register(card(""))]) {
      expectInvalid(await call().catch((e) => e), /needs an agent id/);
    }
    expect(counting.calls).toBe(before);
  });

  it("a signal that is not an AbortSignal fails before any request", async () => {
    const c = client({ agentId: "someone", agentToken: "t".repeat(32) });
    const before = counting.calls;
    const signal = "soon" as unknown as AbortSignal;
    expectInvalid(await c.get("x", { signal }).catch((e) => e), /signal must be an AbortSignal/);
    expectInvalid(await c.listAll({}, { signal }).catch((e) => e), /signal must be an AbortSignal/);
    expect(() => c.startHeartbeats({ signal })).toThrow(/signal must be an AbortSignal/);
    expect(() => c.subscribe({ signal })).toThrow(/signal must be an AbortSignal/);
    expect(counting.calls).toBe(before);
  });

  it("subscribe() throws at once for options no request could make right", () => {
    const c = client();
    const before = counting.calls;
    const bad = [
      [{ types: ["agent_exploded" as never] }, /unknown event type "agent_exploded"/],
      [{ since: -1 }, /since must be an event id/],
      [{ since: 1.5 }, /since must be an event id/],
      [{ stallTimeoutMs: 0 }, /stallTimeoutMs must be a positive number/],
      [{ bufferSize: 0 }, /bufferSize must be an integer/],
      [{ agentId: "" }, /agentId must be a non-empty string/],
    ] as const;
    for (const [options, detail] of bad) {
      let err: unknown;
      try {
        c.subscribe(options, () => {});
      } catch (e) {
        err = e;
      }
      expectInvalid(err, detail);
    }
    expect(counting.calls).toBe(before);
  });

  it("an answer from the registry is still its own code (not invalid_argument)", async () => {
    const err = await client().get("nobody-here").catch((e) => e);
    expect(err).toMatchObject({ code: "agent_not_found", status: 404, retryable: false });
  });
});
