/**
 * `createApp({ config, store, clock, logger })`: wires the parts explicitly —
 * registry service → store → tailer → hub → streams, the sweeper, the HTTP
 * routes — and returns them with an ordered `close()`. It does not listen;
 * `start.ts` does.
 */
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type onRequestHookHandler } from "fastify";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import type { Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { AppError } from "./errors.js";
import { Hub } from "./events/hub.js";
import { Tailer } from "./events/tailer.js";
import { agentsRoutes } from "./http/agents-routes.js";
import { cardRoutes } from "./http/card-routes.js";
import { allowedMethods } from "./http/allowed-methods.js";
import { registerCors } from "./http/cors.js";
import { addressKey, createAuth } from "./http/auth.js";
import { eventsRoutes } from "./http/events-routes.js";
import { OPENAPI_OPTIONS } from "./http/openapi.js";
import { problem, problemAnswers } from "./http/problem.js";
import { sessionRoutes } from "./http/session-routes.js";
import { createSessions } from "./http/sessions.js";
import { systemRoutes } from "./http/system-routes.js";
import { validatorCompiler } from "./http/validation.js";
import { servesDashboard } from "./http/web-fallback.js";
import { createMetrics } from "./metrics.js";
import { createRegistry, type Clock } from "./registry/service.js";
import type { Store } from "./store/store.js";
import { Sweeper } from "./sweeper.js";
import { CardRefresher } from "./card-refresher.js";
import { createGuardedFetcher, fetchPolicyFor } from "./fetch/guarded-fetch.js";
import type { GuardedFetcher, Resolver } from "./fetch/types.js";
import { ProbeRunner } from "./probes/runner.js";
import { firstDueAt } from "./probes/schedule.js";

export interface AppDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Tailer catch-up poll (ms); PostgreSQL relies on it as a safety net behind NOTIFY. */
  tailerPollMs?: number;
  /** How the guarded fetcher resolves host names (default: the system's); tests inject one. */
  resolver?: Resolver;
  /** The probe schedule's randomness (default Math.random). */
  random?: () => number;
}

export interface App {
  http: FastifyInstance;
  hub: Hub;
  tailer: Tailer;
  registry: ReturnType<typeof createRegistry>;
  sweeper: Sweeper;
  /** Re-fetches the A2A cards of agents registered by URL. */
  cardRefresher: CardRefresher;
  /** Every fetch of a URL a registrant named goes through it (fetch/guarded-fetch.ts). */
  fetcher: GuardedFetcher;
  /** Probes the agents that have a probe (probes/runner.ts); tests drive it with `tick()` and `idle()`. */
  probeRunner: ProbeRunner;
  /** Starts the tailer, the sweeper, the card refresher, the probe runner and the keep-alive timer. */
  start(): Promise<void>;
  /** Stops accepting, closes streams (spread over `spreadMs`), finishes in-flight requests, stops timers. Does not close the store. */
  close(spreadMs?: number): Promise<void>;
}

/**
 * Logs the first failure at once, then at most one per `intervalMs` with the
 * number left out, so a database outage (the sweeper and the tailer fail every
 * second) does not flood the log.
 */
export function throttledErrorLog(logger: Pick<Logger, "error">, msg: string, intervalMs: number, now: () => number = Date.now) {
  let last = -Infinity;
  let suppressed = 0;
  return (err: unknown): void => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      return;
    }
    logger.error(suppressed ? { err, suppressed } : { err }, suppressed ? `${msg} (${suppressed} more since the last report)` : msg);
    last = t;
    suppressed = 0;
  };
}

/** How long in-flight requests may take to finish at shutdown. */
const CLOSE_GRACE_MS = 5000;

/**
 * Browser-facing headers on every answer (the dashboard, /docs, the API): a
 * CSP that the built dashboard and swagger-ui run under (all their scripts and
 * styles are files from this origin), no framing, no MIME sniffing, no
 * referrer. HSTS is left to the TLS-terminating proxy (this server speaks plain
 * HTTP), and so is upgrade-insecure-requests, which would break a dashboard
 * served over plain HTTP on a LAN address.
 */
const SECURITY_HEADERS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      "default-src": ["'self'"],
      "base-uri": ["'self'"],
      "connect-src": ["'self'"],
      "font-src": ["'self'", "data:"],
      "form-action": ["'self'"],
      "frame-ancestors": ["'none'"],
      "img-src": ["'self'", "data:"],
      "object-src": ["'none'"],
      "script-src": ["'self'"],
      "script-src-attr": ["'none'"],
      "style-src": ["'self'"],
    },
  },
  frameguard: { action: "deny" as const },
  referrerPolicy: { policy: "no-referrer" as const },
  strictTransportSecurity: false,
};

/**
 * swagger-ui's logo is an SVG with an inline <style>: allowed by its hash, on
 * /docs only, rather than allowing inline styles. (A swagger-ui upgrade that
 * changes it shows up as a CSP violation in test/abuse/headers.test.ts.)
 */
const SWAGGER_LOGO_STYLE = `'sha256-${createHash("sha256").update(".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}").digest("base64")}'`;

export const DEFAULT_WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web", "dist");

export async function createApp({ config, store, clock, logger, tailerPollMs = 1000, resolver, random = Math.random }: AppDeps): Promise<App> {
  const logFailure = throttledErrorLog(logger, "background task failed", 10_000);
  // An unavailable store is logged once per outage by the store itself (store/outage.ts).
  const onError = (err: unknown) => (err instanceof AppError && err.code === "store_unavailable" ? undefined : logFailure(err));
  const hub = new Hub({ store, keepaliveMs: config.keepaliveMs, maxBufferedBytes: config.maxStreamBufferBytes, slowConsumerGraceMs: config.slowConsumerGraceMs, flushIntervalMs: config.streamFlushMs, onError });
  const tailer = new Tailer({ store, hub, pollMs: tailerPollMs, onError });
  const leases = store.probeLeases();
  const registry = createRegistry({
    store,
    config,
    clock,
    onCommit: (events) => tailer.offer(events),
    // The probe runner's working row follows the agent's probe (a lost write is repaired by its reconciliation).
    onProbeChange: (id, probe) => (probe ? leases.upsert(id, probe, firstDueAt(clock.now(), probe.interval_ms, random)) : leases.remove(id)),
    onError,
  });
  const sweeper = new Sweeper({ registry, store, config, clock, onError });
  const fetcher = createGuardedFetcher({ policy: fetchPolicyFor(config), ...(resolver ? { resolver } : {}) });
  const cardRefresher = new CardRefresher({ registry, store, fetcher, clock, onError });
  const probeRunner = new ProbeRunner({
    leases,
    fetcher,
    clock,
    concurrency: config.probeConcurrency,
    perHost: config.probePerHost,
    // This instance's name on the leases it holds: unique per process, nothing about the machine.
    owner: `agentmesh-${process.pid}-${randomUUID().slice(0, 8)}`,
    onError,
    onTransition: async (agentId, t) => {
      await registry.probeTransition(agentId, { to: t.to, counters: t.counters, probe: t.probe });
    },
    onCredit: (agentId, periodMs) => registry.probeCredit(agentId, periodMs),
    random,
  });
  const metrics = createMetrics({ hub, store });

  const http = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // X-Forwarded-For is believed only from the proxies named by --trust-proxy.
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    return503OnClosing: true,
    forceCloseConnections: "idle",
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Every open connection, for shutdown (Node's server lists only those it has parsed a request on).
  const connections = new Set<Socket>();
  http.server.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  http.setValidatorCompiler(validatorCompiler());
  // JSON only: a text/plain body is a 415, not a string that fails validation.
  http.removeContentTypeParser("text/plain");
  const { sendProblem, errorHandler } = problemAnswers((code) => metrics.httpErrors.inc({ code }));
  http.setErrorHandler(errorHandler);
  http.addHook("onSend", async (request, reply, payload) => {
    if (logger.isLevelEnabled("debug")) request.log.debug({ method: request.method, url: request.url, status: reply.statusCode }, "request");
    return payload;
  });

  await registerCors(http, config);
  await http.register(helmet, SECURITY_HEADERS);
  await http.register(swagger, OPENAPI_OPTIONS);
  await http.register(swaggerUi, { routePrefix: "/docs", transformStaticCSP: (csp) => csp.replace("style-src 'self'", `style-src 'self' ${SWAGGER_LOGO_STYLE}`) });

  const sessions = createSessions({ store, config, clock });
  const auth = createAuth({ config, store, sessions });
  http.addHook("onRequest", auth.resolveSession);

  let writeLimit: onRequestHookHandler | undefined;
  let signInLimit: onRequestHookHandler | undefined;
  if (config.rateLimit > 0 || config.signInLimit > 0) {
    await http.register(rateLimit, {
      global: false,
      keyGenerator: auth.rateKey,
      allowList: auth.isAdmin,
      errorResponseBuilder: (request, context) => {
        const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
        const what = request.routeOptions.url === "/api/v1/session" ? "sign-in attempts per minute from this address" : "writes per second from this client";
        return new AppError("rate_limited", `more than ${context.max} ${what}; retry after ${retryAfter}s`, undefined, { "Retry-After": String(retryAfter) });
      },
    });
    // One limiter shared by every write route: the budget is per client, not per route.
    if (config.rateLimit > 0) writeLimit = http.rateLimit({ max: config.rateLimit, timeWindow: 1000 });
    // Sign-in is keyed by address alone, admin or not: it is where tokens are guessed.
    if (config.signInLimit > 0) signInLimit = http.rateLimit({ max: config.signInLimit, timeWindow: 60_000, keyGenerator: addressKey, allowList: undefined });
  }

  agentsRoutes(http, { registry, store, config, auth, writeLimit, fetcher, clock });
  cardRoutes(http, { store, config });
  sessionRoutes(http, { config, sessions, signInLimit });
  eventsRoutes(http, { hub, store, config, sessions });
  systemRoutes(http, { hub, store, config, metrics });
  http.get("/openapi.json", { schema: { hide: true } }, async () => http.swagger());

  const webRoot = config.webRoot ?? DEFAULT_WEB_ROOT;
  const hasWeb = existsSync(join(webRoot, "index.html"));
  if (hasWeb) {
    await http.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      setHeaders: (reply, path) => {
        reply.header("Cache-Control", path.includes(`${"/"}assets${"/"}`) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  }
  http.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    const allow = allowedMethods(http, request.url);
    if (allow.length) {
      return sendProblem(reply, problem("method_not_allowed", `${path} answers ${allow.join(", ")}, not ${request.method}`), { Allow: allow.join(", ") });
    }
    if (servesDashboard(request.method, path, request.headers.accept)) {
      if (hasWeb) return reply.header("Cache-Control", "no-cache").sendFile("index.html");
      return reply
        .type("text/html")
        .send(`<!doctype html><title>AgentMesh</title><p>The dashboard is not built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it).</p><p>API docs: <a href="/docs">/docs</a></p>`);
    }
    return sendProblem(reply, problem("not_found", `no route ${request.method} ${path}`));
  });

  let started = false;
  return {
    http,
    hub,
    tailer,
    registry,
    sweeper,
    cardRefresher,
    fetcher,
    probeRunner,
    async start() {
      await tailer.start();
      await store.watch?.(() => void tailer.wake());
      hub.startKeepalive();
      sweeper.start();
      cardRefresher.start();
      probeRunner.start();
      started = true;
    },
    async close(spreadMs = 1000) {
      await sweeper.stop();
      await cardRefresher.stop();
      // Aborts the probes in flight (not counted against their targets) and hands this instance's leases back.
      await probeRunner.stop();
      // Fastify stops accepting at once and waits for in-flight requests; the
      // streams are in flight until the hub ends them, spread over `spreadMs`.
      // Keep-alive connections that go idle after their last answer are closed
      // as they do; whatever is still open after the grace period is cut.
      // Connections that never sent a byte (a browser's preconnect) have no
      // request to finish: they go at once too. A request that has begun
      // arriving is answered (503 while closing) or cut at the deadline.
      const server = http.server;
      const reap = () => {
        server.closeIdleConnections();
        for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
      };
      reap();
      const reaper = setInterval(reap, 50);
      const deadline = setTimeout(() => {
        logger.warn({ connections: connections.size }, "shutdown grace period over: closing the connections still open");
        server.closeAllConnections();
      }, spreadMs + CLOSE_GRACE_MS);
      try {
        await Promise.all([http.close(), hub.shutdown(spreadMs, 2000)]);
      } finally {
        clearInterval(reaper);
        clearTimeout(deadline);
      }
      if (started) await tailer.stop();
    },
    };
}
