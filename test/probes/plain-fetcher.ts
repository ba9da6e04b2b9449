/**
 * Test only: a GuardedFetcher that does a plain `http.get` / `net.connect`
 * with none of the guards, so the runner's tests run against real servers the
 * tests start before the real guarded fetcher exists. Every host name goes to
 * 127.0.0.1 (as an injected resolver would send it), keeping the URL's host
 * in the Host header, so tests can tell "hosts" apart on one local server.
 */
import http from "node:http";
import net from "node:net";
import type { ConnectResult, FetchResult, GuardedFetcher } from "../../src/server/fetch/types.js";

export function plainFetcher(): GuardedFetcher {
  return {
    get(url, options = {}) {
      const started = performance.now();
      const latency = () => performance.now() - started;
      return new Promise<FetchResult>((resolve) => {
        const u = new URL(url);
        const req = http.get(
          { host: "127.0.0.1", port: u.port || 80, path: `${u.pathname}${u.search}`, headers: { host: u.host, accept: options.accept ?? "*/*" }, signal: options.signal },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers[k] = v;
              resolve({ ok: true, response: { url, status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), latencyMs: latency() } });
            });
            res.on("error", (err) => resolve({ ok: false, failure: { kind: "network", message: err.message, url, latencyMs: latency() } }));
          },
        );
        req.on("error", (err: NodeJS.ErrnoException) =>
          resolve({ ok: false, failure: { kind: err.code === "ECONNREFUSED" ? "refused" : "network", message: err.message, url, latencyMs: latency() } }),
        );
      });
    },
    connect(host, port) {
      const started = performance.now();
      return new Promise<ConnectResult>((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port });
        socket.once("connect", () => {
          socket.destroy();
          resolve({ ok: true, latencyMs: performance.now() - started });
        });
        socket.once("error", (err: NodeJS.ErrnoException) => {
          const latencyMs = performance.now() - started;
          resolve({ ok: false, latencyMs, failure: { kind: err.code === "ECONNREFUSED" ? "refused" : "network", message: `${host}:${port} ${err.code ?? err.message}`, url: `tcp://${host}:${port}`, latencyMs } });
        });
      });
    },
  };
}
