/**
 * Starts a whole server: config → logger → store (migrated) → app → listen.
 * Used by `agentmesh serve` and by tests (with `port: 0` and a temporary file).
 */
import { pino, type Logger } from "pino";
import { createApp, type App } from "./app.js";
import { loadConfig, type Config, type ConfigInput } from "./config.js";
import { prettyDestination } from "./pretty-log.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/store.js";
import type { Resolver } from "./fetch/types.js";
import type { Clock } from "./registry/service.js";

export interface RunningServer {
  url: string;
  port: number;
  config: Readonly<Config>;
  app: App;
  store: Store;
  logger: Logger;
  /** Ordered shutdown: stop accepting, close streams (spread over `spreadMs`), finish requests, close the store. */
  close(spreadMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Environment to read `AGENTMESH_*` from (default: none, so tests are hermetic). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** How outbound fetches (A2A cards, probes) resolve host names; tests inject one. */
  resolver?: Resolver;
  /** Default: the system clock; tests of schedules (card refresh) pass a manual one. */
  clock?: Clock;
  /** The probe schedule's randomness (jitter, phases); default Math.random. Tests pass a constant. */
  random?: () => number;
}

// Fastify announces each address it listens on; `agentmesh serve` says it once, with
// the dashboard and docs, so Fastify's line is given this text and dropped.
const FASTIFY_LISTENING = "\0fastify-listening";

/** The server's logger on stdout: JSON lines, or readable lines on a terminal (`--log-format`). */
export function createLogger(config: Pick<Config, "logLevel" | "logFormat">, env: Record<string, string | undefined> = process.env, out: NodeJS.WriteStream = process.stdout): Logger {
  const pretty = config.logFormat === "pretty" || (config.logFormat === "auto" && out.isTTY === true);
  const options = {
    level: config.logLevel,
    base: { service: "agentmesh" },
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        if (args[0] === FASTIFY_LISTENING) return;
        method.apply(this, args);
      },
    },
  };
  if (!pretty) return pino(options);
  const colour = out.isTTY === true && !env.NO_COLOR;
  return pino(options, prettyDestination(out, colour));
}

export async function startServer(overrides: ConfigInput = {}, options: StartOptions = {}): Promise<RunningServer> {
  const config = loadConfig({ flags: overrides, env: options.env ?? {} });
  const logger = options.logger ?? createLogger(config, options.env);
  const store = await openStore(config, logger);
  try {
    await store.migrate();
    const app = await createApp({ config, store, clock: options.clock ?? { now: Date.now }, logger, tailerPollMs: store.kind === "postgres" ? 1000 : 5000, resolver: options.resolver, random: options.random });
    await app.start();
    await app.http.listen({ port: config.port, host: config.host, ...(options.logger ? {} : { listenTextResolver: () => FASTIFY_LISTENING }) });
    const address = app.http.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    let closing: Promise<void> | null = null;
    return {
      url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      port,
      config,
      app,
      store,
      logger,
      close(spreadMs = 1000) {
        closing ??= (async () => {
          await app.close(spreadMs);
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}
