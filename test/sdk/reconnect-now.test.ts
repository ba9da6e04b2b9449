/**
 * `retryAt` and `reconnect()`: a page showing "retrying in …" with a
 * "Reconnect now" button. In front of the registry, a proxy answers the stream
 * 503 with `Retry-After: 3600` (as during a deploy), so the subscription's next
 * attempt is an hour away; `retryAt` says so, and `reconnect()` tries at once.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentMeshClient, type ConnectionState } from "@agentmesh/client";

const HOUR = 3_600_000;
let server: Server;
let url: string;
let refusing = true;
let streams = 0;

beforeEach(async () => {
  refusing = true;
  streams = 0;
  server = createServer((req, res) => {
    if (!req.url?.startsWith("/api/v1/events")) {
      res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify({ code: "not_found", detail: "no such route" }));
      return;
    }
    streams++;
    if (refusing) {
      res.writeHead(503, { "retry-after": "3600", "content-type": "text/plain" }).end("deploying");
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(": open\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("a subscription waiting out a long Retry-After", () => {
  it("says when it will try again, and tries at once on reconnect()", async () => {
    const states: [ConnectionState, number | null][] = [];
    const sub = new AgentMeshClient({ url }).subscribe({ since: 0, snapshot: false, onStatus: (s) => states.push([s, sub.retryAt]) }, () => {});
    try {
      await vi.waitFor(() => expect(sub.retryAt).not.toBeNull(), { timeout: 20_000 });
      expect(sub.state).toBe("reconnecting");
      expect(sub.retryAt! - Date.now()).toBeGreaterThan(HOUR - 60_000);
      // onStatus was told, with retryAt already set.
      expect(states.some(([s, at]) => s === "reconnecting" && at !== null)).toBe(true);
      const refused = streams;

      refusing = false;
      sub.reconnect();
      await sub.ready; // an hour early: only reconnect() can have opened it
      expect(streams).toBe(refused + 1);
      expect(sub.state).toBe("live");
      expect(sub.retryAt).toBeNull();
    } finally {
      sub.close();
    }
  });

  it("does nothing while live or after close()", async () => {
    refusing = false;
    const sub = new AgentMeshClient({ url }).subscribe({ since: 0, snapshot: false }, () => {});
    await sub.ready;
    sub.reconnect();
    expect(sub.state).toBe("live");
    sub.close();
    sub.reconnect();
    expect(sub.state).toBe("closed");
    expect(streams).toBe(1);
  });
});
