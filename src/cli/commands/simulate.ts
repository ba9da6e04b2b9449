/**
 * `agentmesh simulate`: a fleet of simulated agents against a registry, with a
 * progress line while it runs and a summary at the end.
 *
 * On Ctrl-C (or when `--duration` ends) the agents are deregistered: their
 * tokens live only in this process, so agents left behind could never be
 * updated or removed by their owner again, and a re-run with the same seed
 * would find their ids taken. `--keep` leaves them (they go offline); a later
 * run of the same seed can take them over when given the admin token.
 */
import { AgentMeshError } from "@agentmesh/client";
import { COMMON_HELP, CliError, common, durationOption, intOption, parse, UsageError } from "../args.js";
import { terminalColumns } from "../../shared/terminal.js";
import { styles, untilSignal, type Io } from "../io.js";
import { progressLine, summaryLines } from "../sim/progress.js";
import { runSimulation } from "../sim/simulation.js";

export const SIMULATE_HELP = `agentmesh simulate — run a fleet of simulated agents against a registry

Usage: agentmesh simulate [--agents N] [flags]

Each agent registers a plausible card (tagged "simulated"), heartbeats at the
interval the server asks for, sometimes degrades, becomes unhealthy or goes
silent long enough to be marked offline and comes back, and the fleet reports
invocation outcomes about its members, so health and trust move. Ctrl-C stops
it: the agents are deregistered (their tokens exist only in this process) and
a summary is printed.

The agents also serve their A2A cards and health endpoints from this process
(one small HTTP server on 127.0.0.1) and register with a probe of them, so the
registry checks them for itself. A quarter of them start cut off, and others
are cut off now and then: they stop answering probes while their heartbeats
still say "healthy", which the registry reports as unhealthy ("probe
failing"). The registry must be allowed to fetch from this machine (serve
--probe-allow 127.0.0.0/8; serve --demo does it); a registry that refuses the
probe (400) gets plain registrations instead.

Flags:
  -n, --agents <n>             Fleet size, 1–1000 (default 10)
  --seed <seed>                Same seed → same cards and same decisions (default: random,
                               printed in the summary)
  --rate <n>                   Invocation reports per second across the fleet
                               (default: a quarter of the fleet size, at least 1)
  --duration <time>            Stop after this long, e.g. 30s, 5m, 1m30s (default: until Ctrl-C)
  --keep                       Leave the agents registered at the end (they go offline)
  --no-probes                  Serve no cards and register without probes
  --registration-token <tok>   If the registry requires one (env AGENTMESH_REGISTRATION_TOKEN)
  --json                       Print the final summary as JSON on stdout (snake_case, like the API)
  -q, --quiet                  No progress line

Registrations are paced under the server's rate limit; a 429 is waited out
(Retry-After) and counted on the summary's "rate limit" line, not as an error.

With --token set to the admin token, agents left behind by an earlier run of the
same seed (e.g. with --keep) are replaced instead of refused.

${COMMON_HELP}

Examples:
  agentmesh simulate --agents 20
  agentmesh simulate --agents 5 --seed 42 --duration 1m
  agentmesh simulate --agents 500 --rate 200 --duration 5m --json > load.json
`;

export async function simulateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse("simulate", argv, {
    agents: { type: "string", short: "n" },
    seed: { type: "string" },
    rate: { type: "string" },
    duration: { type: "string" },
    keep: { type: "boolean" },
    "no-probes": { type: "boolean" },
    "registration-token": { type: "string" },
    json: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    io.out.write(SIMULATE_HELP);
    return 0;
  }
  const conn = common(values, io.env, "simulate");
  const agents = intOption(values.agents, "agents", "simulate", 1, 1000) ?? 10;
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && (!Number.isFinite(rate) || rate < 0 || rate > 100_000)) throw new UsageError(`--rate must be a number of reports per second ≥ 0, got ${JSON.stringify(values.rate)}`, "simulate");
  const durationMs = durationOption(values.duration, "duration", "simulate");
  const style = styles(io, conn.noColor).err;

  const registrationToken = values["registration-token"] ?? (io.env.AGENTMESH_REGISTRATION_TOKEN || undefined);
  const sim = runSimulation({
    url: conn.url,
    agents,
    seed: values.seed,
    rate,
    durationMs,
    token: conn.token,
    registrationToken,
    keep: values.keep,
    probes: !values["no-probes"],
  });

  // The progress line: rewritten in place on a terminal, a plain line every 5 s otherwise.
  // On a terminal it stays a column short of the width (read at every rewrite, so a
  // resize is followed): a line that wraps could not be erased by the next rewrite.
  const tty = io.err.isTTY === true;
  const progress = values.quiet
    ? undefined
    : setInterval(
        () => io.err.write(tty ? `\r\x1b[2K${progressLine(sim.summary, style, (terminalColumns(io.err) ?? 80) - 1)}` : `${progressLine(sim.summary, style)}\n`),
        tty ? 500 : 5000,
      );
  const clearProgress = () => {
    clearInterval(progress);
    if (progress && tty) io.err.write("\r\x1b[2K");
  };

  let failed: unknown = null;
  sim.ready.catch((err) => (failed = err));
  const signal = untilSignal();
  const outcome = await Promise.race([signal.then(() => "signal" as const), sim.done.then(() => "done" as const)]);
  if (outcome === "signal" && !values.quiet) {
    clearProgress();
    io.err.write(`${values.keep ? "stopping (leaving the agents registered)…" : "stopping: deregistering the agents…"} (Ctrl-C again to quit at once)\n`);
  }
  const summary = await sim.stop();
  clearProgress();
  if (values.json) io.out.write(`${JSON.stringify(summary)}\n`);
  else io.err.write(`${summaryLines(summary, style).join("\n")}\n`);
  const refused = summary.failed_registrations;
  if (refused.length > 0 && refused.every((f) => f.code === "agent_id_taken")) {
    throw new CliError(
      `${refused.length} of ${summary.agents} agent ids are held by an earlier run of seed ${summary.seed} (left with --keep, or killed); pass the admin token (--token) to replace them, or use another --seed`,
    );
  }
  if (!registrationToken && !conn.token && refused.length > 0 && refused.every((f) => f.code === "unauthorized")) {
    throw new CliError("the registry requires a registration token for new agents (401 unauthorized): pass --registration-token or set AGENTMESH_REGISTRATION_TOKEN");
  }
  if (failed) throw failed instanceof AgentMeshError ? failed : new CliError(String(failed));
  if (refused.length > 0) throw new CliError(`${refused.length} of ${summary.agents} agents could not register: ${refused[0].detail} (${refused[0].code})`);
  return 0;
}
