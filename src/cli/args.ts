/**
 * Flags shared by the client commands and the one-line error messages. Every
 * command takes `--url` (env AGENTMESH_URL, default http://127.0.0.1:8000) and
 * `--token` (env AGENTMESH_TOKEN: the read token, or the admin token, which
 * also reads), `--no-color` and `--help`.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AgentMeshError } from "@agentmesh/client";
import { DURATION_EXAMPLES, MAX_TIMER_MS, parseDuration } from "../shared/duration.js";

export const DEFAULT_URL = "http://127.0.0.1:8000";

/** A mistake in the command line: exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure with a message already written for the user: exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

export const COMMON_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

export const COMMON_HELP = `Connection:
  --url <url>          Registry URL (env AGENTMESH_URL, default ${DEFAULT_URL})
  --token <token>      Read or admin token, if the registry requires one (env AGENTMESH_TOKEN)
  --no-color           Plain output (also NO_COLOR=1; colours are off when not a terminal)
  -h, --help           This help`;

export interface Common {
  url: string;
  token?: string;
  noColor: boolean;
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? (S["multiple"] extends true ? boolean[] : boolean) : S["multiple"] extends true ? string[] : string;

export type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]?: ValueOf<O[K]> };

/** parseArgs with the common flags and one-line usage errors. */
export function parse<O extends Record<string, OptionSpec>>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
): { values: Values<O & typeof COMMON_OPTIONS>; positionals: string[] } {
  const all = { ...COMMON_OPTIONS, ...options } as NonNullable<ParseArgsConfig["options"]>;
  try {
    const parsed = parseArgs({ args: attachDashValues(argv, all), options: all, allowPositionals, strict: true });
    return parsed as unknown as { values: Values<O & typeof COMMON_OPTIONS>; positionals: string[] };
  } catch (err) {
    throw parseArgsUsageError(err, command);
  }
}

/**
 * parseArgs refuses `--since -5` as ambiguous and the user would be told the flag
 * needs a value; joined as `--since=-5` the value reaches its own check and is
 * reported as invalid. A next word that is itself a known flag stays a flag.
 */
export function attachDashValues(argv: string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const takesValue = new Set<string>();
  const known = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    known.add(`--${name}`);
    if (o.short) known.add(`-${o.short}`);
    if (o.type === "string") {
      takesValue.add(`--${name}`);
      if (o.short) takesValue.add(`-${o.short}`);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (takesValue.has(word) && next !== undefined && next.startsWith("-") && next !== "--" && !known.has(next.split("=")[0])) {
      out.push(`${word.startsWith("--") ? word : `--${shortToLong(word, options)}`}=${next}`);
      i++;
    } else out.push(word);
  }
  return out;
}

function shortToLong(short: string, options: NonNullable<ParseArgsConfig["options"]>): string {
  return Object.entries(options).find(([, o]) => `-${o.short}` === short)?.[0] ?? short.slice(1);
}

/** node:util parseArgs' error as a one-line usage error ("unknown option --x", "option --port needs a value"). */
export function parseArgsUsageError(err: unknown, command: string): UsageError {
  const e = err as Error & { code?: string };
  let message = e.message.split(/\.\s/)[0];
  const opt = /'(-[^']*)'/.exec(e.message)?.[1]?.split(/\s|,/)[0];
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && opt) message = `unknown option ${opt}`;
  else if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && opt) message = `option ${opt} needs a value`;
  else if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") message = `unexpected argument ${/'([^']*)'/.exec(e.message)?.[1] ?? ""}`.trim();
  return new UsageError(message, command);
}

export function common(values: { url?: string; token?: string; "no-color"?: boolean }, env: NodeJS.ProcessEnv, command: string): Common {
  const url = values.url ?? env.AGENTMESH_URL ?? DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
  } catch {
    throw new UsageError(`--url ${JSON.stringify(url)} is not an http(s) URL`, command);
  }
  const token = values.token ?? (env.AGENTMESH_TOKEN || undefined);
  return { url, token, noColor: values["no-color"] === true };
}

export function intOption(value: string | undefined, flag: string, command: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ` ≥ ${min}`}, got ${JSON.stringify(value)}`, command);
  }
  return Number(value);
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, command: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`, command);
  return value as T;
}

/** A duration flag, read as `agentmesh serve` reads its settings (`500ms`, `30s`, `1m30s`, `2d`) → ms. */
export function durationOption(value: string | undefined, flag: string, command: string, max = MAX_TIMER_MS): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new UsageError(`--${flag} must be a duration such as ${DURATION_EXAMPLES}, got ${JSON.stringify(value)}`, command);
  if (ms > max) throw new UsageError(`--${flag} must be at most ${Math.floor(max / 86_400_000)} days, got ${JSON.stringify(value)}`, command);
  return ms;
}

/** The one line printed for a failure, saying what to do about it where we can. */
export function describeError(err: unknown, ctx: { url: string; token?: string }): string {
  if (err instanceof UsageError || err instanceof CliError) return err.message;
  if (err instanceof AgentMeshError) {
    switch (err.code) {
      case "unreachable":
        return `cannot reach the registry at ${ctx.url} (${/\(([^)]*)\)\s*$/.exec(err.detail)?.[1] ?? err.detail}); is it running? Set --url or AGENTMESH_URL`;
      case "timeout":
        return `the registry at ${ctx.url} did not answer in time`;
      case "unauthorized":
        return ctx.token
          ? `the registry refused the token (401 unauthorized): ${err.detail}`
          : `the registry requires a token (401 unauthorized): pass --token or set AGENTMESH_TOKEN`;
      case "forbidden":
        return `not allowed with this token (403 forbidden): ${err.detail}`;
      case "agent_not_found":
        return err.detail;
      case "bad_response":
        return `${ctx.url} did not answer like an AgentMesh registry: ${err.detail}`;
      default:
        return `${err.detail} (${err.status} ${err.code})`;
    }
  }
  return (err as Error)?.message ?? String(err);
}

/** One line: no newlines inside a message. */
export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
