/**
 * `agentmesh serve`: flags and AGENTMESH_* variables → a running server, with
 * graceful shutdown on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { SETTINGS, settingsHelp } from "./config.js";
import { startServer, type RunningServer } from "./start.js";

export const SERVE_HELP = `agentmesh serve — run the registry (API, event stream, dashboard)

Usage: agentmesh serve [flags]

Flags (each also read from its AGENTMESH_* variable; a flag wins):
${settingsHelp()}

Examples:
  agentmesh serve                                   # http://127.0.0.1:8000, data in ./data/agentmesh.db
  agentmesh serve --port 9000 --offline-after 1m
  AGENTMESH_ADMIN_TOKEN=$(openssl rand -hex 24) agentmesh serve --host 0.0.0.0
  agentmesh serve --database postgres://user@127.0.0.1:5432/agentmesh
`;

/** Parses `argv` (the words after `serve`), starts the server and installs signal handlers. Returns null after printing --help. */
export async function runServe(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunningServer | null> {
  const options = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: "string" as const }]));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ServeArgsError(err);
  }
  if (parsed.values.help) {
    process.stdout.write(SERVE_HELP);
    return null;
  }
  const { help: _help, ...flags } = parsed.values;
  const server = await startServer(flags as Record<string, string>, { env });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal, streams: server.app.hub.size }, "shutting down");
    const force = setTimeout(() => {
      server.logger.error("shutdown took longer than 10s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close().then(
      () => {
        server.logger.info("stopped");
        process.exit(0);
      },
      (err) => {
        server.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  // Only now: whoever reads this line may signal at once, and until the handlers
  // exist the operating system's default for SIGINT ends the process on the spot.
  server.logger.info({ url: server.url, database: redact(server.config.database) }, `AgentMesh listening on ${server.url} (dashboard ${server.url}/, API docs ${server.url}/docs)`);
  return server;
}

/** The command line itself is wrong (an unknown flag, a flag without its value): a usage error, not a bad setting. `cause` is parseArgs' error. */
export class ServeArgsError extends Error {
  constructor(cause: unknown) {
    super((cause as Error).message, { cause });
    this.name = "ServeArgsError";
  }
}

/** A database URL without its password, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
