/**
 * A stream that stays open but goes silent (a dead proxy, a half-open TCP
 * connection): the subscription notices that not even a keep-alive arrived
 * within `stallTimeoutMs`, reconnects, and resumes without loss.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentMeshClient, type ConnectionState, type SubscriptionUpdate } from "@agentmesh/client";
import { card, waitFor } from "../helpers.js";
import { logAfter, RestartableServer } from "./support.js";

/** A TCP relay that can freeze its current connections: open, but nothing flows to the client. */
class FreezingRelay {
  private server!: Server;
  private pairs: { client: Socket; upstream: Socket }[] = [];
  port = 0;

  async start(targetPort: number): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, "127.0.0.1");
      const destroy = () => (client.destroy(), upstream.destroy());
      client.on("error", destroy);
      upstream.on("error", destroy);
      client.pipe(upstream);
      upstream.pipe(client);
      this.pairs.push({ client, upstream });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  freeze(): void {
    for (const { client, upstream } of this.pairs) {
      upstream.unpipe(client);
      upstream.pause();
    }
    this.pairs = [];
  }

  close(): void {
    this.server.close();
  }
}

// A stall timeout must exceed the server's keep-alive (the SDK refuses one that does not), so keep-alives flow until the freeze.
const server = new RestartableServer({ keepalive: "200ms" });
const relay = new FreezingRelay();
beforeAll(async () => {
  await server.start();
  await relay.start(server.port);
});
afterAll(async () => {
  relay.close();
  await server.destroy();
});

describe("subscribe stall watchdog", () => {
  it("reconnects when the stream goes silent and resumes without loss", async () => {
    const writer = new AgentMeshClient({ url: server.url });
    await writer.register(card("stall-a"));
    const got: SubscriptionUpdate[] = [];
    const states: ConnectionState[] = [];
    const sub = new AgentMeshClient({ url: `http://127.0.0.1:${relay.port}` }).subscribe(
      { snapshot: false, stallTimeoutMs: 600, onStatus: (s) => states.push(s) },
      (u) => void got.push(u),
    );
    await sub.ready;
    const start = sub.lastEventId;

    relay.freeze();
    await writer.update("stall-a", { version: "2.0.0" });
    await writer.heartbeat({ status: "degraded" });
    await waitFor(() => states.filter((s) => s === "live").length >= 2, "a reconnect after the stall");
    expect(states).toContain("reconnecting");

    const log = await logAfter(server.url, start);
    await waitFor(() => got.length >= log.length, "the events written during the stall");
    expect(got.map((u) => ("id" in u ? u.id : -1))).toEqual(log.map((e) => e.id));
    sub.close();
  });
});

describe("stallTimeoutMs against the server's keep-alive", () => {
  it("is refused with invalid_argument when the keep-alive would trip it, before any stream opens", async () => {
    const urls: string[] = [];
    const client = new AgentMeshClient({ url: server.url, fetch: (input, init) => (urls.push(String(input)), fetch(input, init)) });
    expect((await client.stats()).stream).toEqual({ keepalive_ms: 200 });
    const errors: unknown[] = [];
    const sub = client.subscribe({ stallTimeoutMs: 200, onError: (e) => errors.push(e) }, () => {});
    const err = await sub.ready.catch((e) => e);
    expect(err).toMatchObject({ code: "invalid_argument", retryable: false });
    expect(err.detail).toMatch(/keep-alive of 200 ms.*at least 240/);
    expect(await sub.done).toBe(err);
    expect(errors).toEqual([err]);
    expect(sub.state).toBe("closed");
    expect(urls.filter((u) => new URL(u).pathname === "/api/v1/events")).toEqual([]);
  });
});
