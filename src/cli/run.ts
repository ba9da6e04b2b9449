/**
 * The `agentmesh` command line: dispatch, top-level help, and the one line
 * printed for any failure. Exit codes: 0 on
 * success, 1 on a failure (unreachable server, refused token, bad server
 * config…), 2 on a mistake in the command line; always one line on stderr.
 */
import { readFileSync } from "node:fs";
import { COMMON_HELP, describeError, oneLine, UsageError, DEFAULT_URL } from "./args.js";
import { clean } from "../shared/terminal.js";
import { processIo, type Io } from "./io.js";

export const MAIN_HELP = `agentmesh — a registry for AI agents that pushes every change as it happens

Usage: agentmesh <command> [flags]

Commands:
  serve       Run the registry (API, event stream, dashboard); --demo adds a simulated fleet
  events      Tail the event stream (readable lines or --json)
  agents      List agents as a table, or show one (agents show <id>)
  simulate    Run a fleet of simulated agents against a registry
  probe       Check an A2A card or an endpoint the way the registry would, without registering

Run agentmesh <command> --help for its flags and examples.

${COMMON_HELP.replace("Connection:", "Connection (events, agents, simulate):").replace(/\n  -h, --help.*$/m, "")}

Examples:
  agentmesh serve --demo                  # then open http://127.0.0.1:8000/
  agentmesh events --types health,trust
  agentmesh agents --sort trust_score
  agentmesh simulate --agents 20 --seed 7
  agentmesh probe https://agent.example.com
`;

// Each command's module is loaded only when it runs, so start-up stays quick (the
// server's modules — Fastify, SQLite, PostgreSQL — are only needed by serve).
const COMMANDS: Record<string, (argv: string[], io: Io) => Promise<number>> = {
  serve: async (argv, io) => (await import("./commands/serve.js")).serveCommand(argv, io),
  events: async (argv, io) => (await import("./commands/events.js")).eventsCommand(argv, io),
  agents: async (argv, io) => (await import("./commands/agents.js")).agentsCommand(argv, io),
  simulate: async (argv, io) => (await import("./commands/simulate.js")).simulateCommand(argv, io),
  probe: async (argv, io) => (await import("./commands/probe.js")).probeCommand(argv, io),
};

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
  } catch {
    return "unknown";
  }
}

/** Runs one command line; resolves with the exit code (serve: once a signal has shut it down). */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    if (command === "help" && rest[0] && COMMANDS[rest[0]]) return COMMANDS[rest[0]](["--help"], io);
    io.out.write(MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    io.out.write(`${version()}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  const url = io.env.AGENTMESH_URL ?? DEFAULT_URL;
  try {
    if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: ${Object.keys(COMMANDS).join(", ")})`, "");
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      const help = err.command ? `agentmesh ${err.command} --help` : "agentmesh --help";
      io.err.write(`agentmesh${err.command ? ` ${err.command}` : ""}: ${clean(oneLine(err.message))} (see ${help})\n`);
      return 2;
    }
    if ((err as Error)?.name === "ConfigError") {
      io.err.write(`agentmesh ${command}: ${clean(oneLine((err as Error).message))}\n`);
      return 1;
    }
    const ctx = { url: urlFlag(rest) ?? url, token: undefined };
    // The detail may quote the server's text (a problem's detail): shown, never obeyed.
    io.err.write(`agentmesh ${command}: ${clean(oneLine(describeError(err, { ...ctx, token: tokenGiven(rest, io.env) })))}\n`);
    return 1;
  }
}

function urlFlag(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === "--url" || a.startsWith("--url="));
  if (i < 0) return undefined;
  return argv[i].includes("=") ? argv[i].slice(6) : argv[i + 1];
}

function tokenGiven(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  return argv.some((a) => a === "--token" || a.startsWith("--token=")) ? "given" : env.AGENTMESH_TOKEN || undefined;
}
