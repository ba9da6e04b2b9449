/**
 * `agentmesh serve`: flags and AGENTMESH_* variables → a running server
 * (src/server/start.ts), the listening line, and graceful shutdown on
 * SIGINT/SIGTERM; plus `--demo`: a small simulated fleet in the same process,
 * so a newcomer sees a living dashboard at once. The server module has no
 * process-level side effects: argv, output, signals and the exit code are here.
 */
import { parseArgs } from "node:util";
import { SETTINGS, settingsHelp } from "../../server/config.js";
import { startServer, type RunningServer } from "../../server/start.js";
import { clean } from "../../shared/terminal.js";
import { attachDashValues, oneLine, parseArgsUsageError } from "../args.js";
import { runSimulation, type Simulation } from "../sim/simulation.js";
import { untilSignal, type Io } from "../io.js";

export const DEMO_AGENTS = 12;
/** Loopback, which `--demo` allows the registry to fetch from unless --probe-allow is given. */
export const DEMO_PROBE_ALLOW = "127.0.0.0/8,::1/128";

/** A shutdown that takes longer than this is abandoned and the command exits 1. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

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

export const DEMO_HELP = `
Demo:
  --demo                            Also run a simulated fleet of ${DEMO_AGENTS} agents in this process
                                    (see agentmesh simulate); they are deregistered on shutdown
`;

const OPTIONS = {
  ...Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: "string" as const }])),
  help: { type: "boolean" as const, short: "h" },
  demo: { type: "boolean" as const },
};

/** Runs until SIGINT/SIGTERM has shut the server down; resolves with the exit code. */
export async function serveCommand(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    // `--port -5` reaches the setting's own check ("invalid --port"), as the other commands' values do.
    parsed = parseArgs({ args: attachDashValues(argv, OPTIONS), options: OPTIONS, strict: true, allowPositionals: false });
  } catch (err) {
    throw parseArgsUsageError(err, "serve");
  }
  const { help, demo, ...given } = parsed.values;
  const flags = given as Record<string, string>;
  if (help) {
    io.out.write(SERVE_HELP + DEMO_HELP);
    return 0;
  }
  // The demo fleet is minutes old, and reports from new agents count for nothing
  // (the trust model's probation): unless told otherwise, a demo counts them in
  // full so that trust visibly moves. Never a default outside --demo.
  const demoMaturity = demo === true && flags["trust-maturity"] === undefined && io.env.AGENTMESH_TRUST_MATURITY === undefined;
  if (demoMaturity) flags["trust-maturity"] = "0";
  // The demo's agents serve their cards from this machine: the registry may
  // fetch and probe loopback, which it never does unless allowed.
  const demoLoopback = demo === true && flags["probe-allow"] === undefined && io.env.AGENTMESH_PROBE_ALLOW === undefined;
  if (demoLoopback) flags["probe-allow"] = DEMO_PROBE_ALLOW;

  const running = await startServer(flags, { env: io.env });
  // Before the listening line: whoever reads it may signal at once, and until a
  // handler exists the operating system's default for SIGINT ends the process on the spot.
  const signal = untilSignal();
  running.logger.info({ url: running.url, database: redact(running.config.database) }, `AgentMesh listening on ${running.url} (dashboard ${running.url}/, API docs ${running.url}/docs)`);
  if (demoMaturity) io.err.write("agentmesh serve: demo: reports from the simulated agents count in full (--trust-maturity 0)\n");
  if (demoLoopback) io.err.write(`agentmesh serve: demo: the registry may fetch cards from and probe this machine (--probe-allow ${DEMO_PROBE_ALLOW})\n`);
  const sim = demo ? startDemo(running, io) : null;

  running.logger.info({ signal: await signal, streams: running.app.hub.size }, "shutting down");
  return shutDown(running, sim);
}

/** Deregisters the demo fleet while the server still accepts requests, then closes the server; 0 when done in time. */
async function shutDown(running: RunningServer, sim: Simulation | null): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), SHUTDOWN_DEADLINE_MS);
    timer.unref();
  });
  const closing = (async () => {
    await sim?.stop().catch(() => {});
    await running.close();
    return "stopped" as const;
  })();
  try {
    const outcome = await Promise.race([closing, deadline]);
    if (outcome === "late") {
      running.logger.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1000}s; exiting`);
      return 1;
    }
    running.logger.info("stopped");
    return 0;
  } catch (err) {
    running.logger.error({ err }, "shutdown failed");
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

function startDemo(running: RunningServer, io: Io): Simulation {
  const sim = runSimulation({
    url: running.url,
    agents: DEMO_AGENTS,
    rate: 2,
    token: running.config.adminToken ?? undefined,
    registrationToken: running.config.registrationToken ?? undefined,
  });
  sim.ready.then(
    () => {
      const s = sim.summary;
      const probes =
        s.probes === "on"
          ? `serving their cards at ${s.card_server}, probed by the registry; ${s.unreachable} not answering probes`
          : "the registry refused their probes, so they are judged by heartbeats alone";
      io.err.write(`agentmesh serve: demo: ${s.registered} simulated agents running (seed ${s.seed}), ${probes}; open ${running.url}/\n`);
    },
    (err) => io.err.write(`agentmesh serve: demo: the simulated fleet could not start: ${clean(oneLine((err as Error).message))}\n`),
  );
  return sim;
}

/** A database URL without its password, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
