/**
 * `agentmesh serve`: the server (its flags, env and --help belong to
 * src/server/serve.ts), plus `--demo`: a small simulated fleet in the same
 * process, so a newcomer sees a living dashboard at once.
 */
import type { RunningServer } from "../../server/start.js";
import { SETTINGS } from "../../server/config.js";
import { runServe, ServeArgsError } from "../../server/serve.js";
import { clean } from "../../shared/terminal.js";
import { attachDashValues, oneLine, parseArgsUsageError } from "../args.js";
import { runSimulation } from "../sim/simulation.js";
import type { Io } from "../io.js";

export const DEMO_AGENTS = 12;
/** Loopback, which `--demo` allows the registry to fetch from unless --probe-allow is given. */
export const DEMO_PROBE_ALLOW = "127.0.0.0/8,::1/128";

const given = (argv: string[], flag: string) => argv.some((a) => a === flag || a.startsWith(`${flag}=`));

export const DEMO_HELP = `
Demo:
  --demo                            Also run a simulated fleet of ${DEMO_AGENTS} agents in this process
                                    (see agentmesh simulate); they are deregistered on shutdown
`;

export async function serveCommand(argv: string[], io: Io): Promise<number | null> {
  const demo = argv.includes("--demo");
  // `--port -5` reaches the setting's own check ("invalid --port"), as the other commands' values do.
  const flags = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: "string" as const }]));
  const rest = attachDashValues(
    argv.filter((a) => a !== "--demo"),
    { ...flags, help: { type: "boolean", short: "h" } },
  );
  // The demo fleet is minutes old, and reports from new agents count for nothing
  // (the trust model's probation): unless told otherwise, a demo counts them in
  // full so that trust visibly moves. Never a default outside --demo.
  const demoMaturity = demo && !given(rest, "--trust-maturity") && io.env.AGENTMESH_TRUST_MATURITY === undefined;
  if (demoMaturity) rest.push("--trust-maturity", "0");
  // The demo's agents serve their cards from this machine: the registry may
  // fetch and probe loopback, which it never does unless allowed.
  const demoLoopback = demo && !given(rest, "--probe-allow") && io.env.AGENTMESH_PROBE_ALLOW === undefined;
  if (demoLoopback) rest.push("--probe-allow", DEMO_PROBE_ALLOW);
  const running = (await runServe(rest, io.env).catch((err) => {
    throw err instanceof ServeArgsError ? parseArgsUsageError(err.cause, "serve") : err;
  })) as RunningServer | null;
  if (!running) {
    io.out.write(DEMO_HELP);
    return 0;
  }
  if (demoMaturity) io.err.write("agentmesh serve: demo: reports from the simulated agents count in full (--trust-maturity 0)\n");
  if (demoLoopback) io.err.write(`agentmesh serve: demo: the registry may fetch cards from and probe this machine (--probe-allow ${DEMO_PROBE_ALLOW})\n`);
  if (demo) startDemo(running, io);
  return null; // keep running; runServe owns the signals and the exit
}

function startDemo(running: RunningServer, io: Io): void {
  const sim = runSimulation({
    url: running.url,
    agents: DEMO_AGENTS,
    rate: 2,
    token: running.config.adminToken ?? undefined,
    registrationToken: running.config.registrationToken ?? undefined,
  });
  sim.ready.then(
    () => io.err.write(`agentmesh serve: demo: ${sim.summary.registered} simulated agents running (seed ${sim.summary.seed}); open ${running.url}/\n`),
    (err) => io.err.write(`agentmesh serve: demo: the simulated fleet could not start: ${clean(oneLine((err as Error).message))}\n`),
  );
  // runServe's signal handler calls running.close(): deregister the fleet first,
  // while the server still accepts requests.
  const close = running.close.bind(running);
  running.close = async (spreadMs?: number) => {
    await sim.stop().catch(() => {});
    return close(spreadMs);
  };
}
