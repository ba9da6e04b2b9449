/**
 * `--cors-origin` as a browser enforces it: a page served from another origin
 * (another port) reads the API and follows the event stream when its origin
 * is named, and is refused both when it is not. Real server, real Chromium,
 * a real second origin.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATIENCE } from "./support/dashboard.js";
import { card, RegistryClient } from "./support/registry.js";
import { useServerAndBrowser } from "./support/suite.js";

let tool: Server;
let toolOrigin: string;

beforeAll(async () => {
  // The other origin: a page with nothing on it but what the test runs.
  tool = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>tool</title>"));
  await new Promise<void>((resolve) => tool.listen(0, "127.0.0.1", resolve));
  toolOrigin = `http://127.0.0.1:${(tool.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => tool?.close(resolve));
});
const e2e = useServerAndBrowser(() => ({ corsOrigin: toolOrigin, heartbeatInterval: "10s", offlineAfter: "60s" }));

/** In the page: a list read, a write that needs a preflight, and the stream until it has one event (or fails). */
const useRegistry = async ([registry, id]: [string, string]) => {
  const out: { list?: number | string; patch?: number | string; event?: string; streamError?: boolean } = {};
  try {
    out.list = (await fetch(`${registry}/api/v1/agents`)).status;
  } catch (err) {
    out.list = String(err);
  }
  try {
    // PATCH with a JSON body and a bearer token: not a simple request, so the browser asks first.
    out.patch = (await fetch(`${registry}/api/v1/agents/${id}`, { method: "PATCH", headers: { "content-type": "application/json", authorization: "Bearer not-a-token" }, body: "{}" })).status;
  } catch (err) {
    out.patch = String(err);
  }
  await new Promise<void>((resolve) => {
    const es = new EventSource(`${registry}/api/v1/events?agent_id=${id}&last_event_id=0`);
    es.addEventListener("agent_registered", (e) => {
      out.event = JSON.parse((e as MessageEvent).data).agent_id;
      es.close();
      resolve();
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        out.streamError = true;
        resolve();
      }
    };
  });
  return out;
};

describe("CORS in a browser", () => {
  it("a page on a named origin reads the API, is answered its preflight, and follows the stream", async () => {
    const { page } = e2e.browser;
    await new RegistryClient(e2e.server.url).register(card("cross"));
    await page.goto(`${toolOrigin}/`);
    const out = await page.evaluate(useRegistry, [e2e.server.url, "cross"] as [string, string]);
    // 401: the made-up token is refused, and the page can read that it was.
    expect(out).toEqual({ list: 200, patch: 401, event: "cross" });
  });

  it("a page on any other origin gets nothing it can read", async () => {
    const { page } = e2e.browser;
    // localhost is another origin than 127.0.0.1, though the same server answers it.
    await page.goto(`${toolOrigin.replace("127.0.0.1", "localhost")}/`);
    const out = await page.evaluate(useRegistry, [e2e.server.url, "cross"] as [string, string]);
    expect(out).toEqual({ list: "TypeError: Failed to fetch", patch: "TypeError: Failed to fetch", streamError: true });
  }, 60_000);
});
