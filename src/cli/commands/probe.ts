/**
 * `agentmesh probe <url>`: checks an A2A card or an endpoint the way the
 * registry would (the same guarded fetcher, card validation and mapping),
 * without registering anything. Runs on the user's machine, so loopback is
 * allowed by default; `--allow` replaces that list (`--allow none` checks as a
 * registry with default settings would).
 */
import { CliError, durationOption, oneLine, parse, UsageError } from "../args.js";
import { styles, type Io } from "../io.js";
import { clean, cleanDeep } from "../../shared/terminal.js";
import { parseCidrList } from "../../server/fetch/cidr.js";
import { createGuardedFetcher, DEFAULT_FETCH_POLICY } from "../../server/fetch/guarded-fetch.js";
import type { FetchFailure, FetchPolicy } from "../../server/fetch/types.js";
import { discoverA2ACard, type CardProblem } from "../../server/a2a/fetch-card.js";
import { fromA2ACard } from "../../server/a2a/map-card.js";
import type { Style } from "../style.js";

/** What the CLI may reach unless told otherwise: this machine. */
export const CLI_DEFAULT_ALLOW = ["127.0.0.0/8", "::1/128"];
const TYPES = ["a2a", "http", "tcp"] as const;

export const PROBE_HELP = `agentmesh probe — check an A2A card or an endpoint the way the registry would, without registering

Usage: agentmesh probe <url> [flags]

  <url>                  An A2A card URL, or a site's base URL (then /.well-known/agent-card.json,
                         falling back to /.well-known/agent.json); tcp://host:port for a TCP check

Flags:
  --type <a2a|http|tcp>  a2a: fetch and validate the card (default; tcp for tcp:// URLs);
                         http: GET the URL and expect a 2xx; tcp: open a connection
  --allow <cidrs>        Ranges that may be reached although loopback or private
                         (default ${CLI_DEFAULT_ALLOW.join(",")}: this machine; none: public addresses only,
                         as a registry with default settings); link-local is never reached
  --deny <cidrs>         Ranges never reached; wins over --allow
  --timeout <duration>   For the whole check (default 5s)
  --json                 Print the result as JSON ({ok, url, version, card, a2a} or {ok:false, problem})
  --no-color             Plain output
  -h, --help             This help

Exit codes: 0 the check passed, 1 it failed (the reason on stderr), 2 a mistake in the command line.

Examples:
  agentmesh probe https://agent.example.com
  agentmesh probe http://127.0.0.1:9000/.well-known/agent-card.json --json
  agentmesh probe https://agent.example.com/health --type http
  agentmesh probe tcp://10.0.0.5:5432 --allow 10.0.0.0/8
`;

function cidrs(value: string | undefined, flag: string, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  if (value.trim() === "none") return [];
  try {
    return parseCidrList(value).map((c) => c.text);
  } catch (err) {
    throw new UsageError(`--${flag} ${(err as Error).message}`, "probe");
  }
}

/** The registry's messages name its own flags; here the user's flags are --allow and --deny. */
const forCli = (message: string) => message.replaceAll("--probe-allow", "--allow").replaceAll("--probe-deny", "--deny");

function fail(problem: Pick<CardProblem, "kind" | "message" | "url">): never {
  throw new CliError(`${problem.kind}: ${forCli(problem.message)} (${problem.url})`);
}

export async function probeCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("probe", argv, { type: { type: "string" }, allow: { type: "string" }, deny: { type: "string" }, timeout: { type: "string" }, json: { type: "boolean" } }, true);
  if (values.help) {
    io.out.write(PROBE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("probe needs exactly one URL", "probe");
  const target = positionals[0];
  const type = values.type ?? (target.startsWith("tcp://") ? "tcp" : "a2a");
  if (!(TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${TYPES.join(", ")}, got ${JSON.stringify(type)}`, "probe");
  const policy: FetchPolicy = {
    ...DEFAULT_FETCH_POLICY,
    allow: cidrs(values.allow, "allow", CLI_DEFAULT_ALLOW),
    deny: cidrs(values.deny, "deny", []),
    timeoutMs: durationOption(values.timeout, "timeout", "probe") ?? DEFAULT_FETCH_POLICY.timeoutMs,
  };
  const fetcher = createGuardedFetcher({ policy, userAgent: "agentmesh-probe" });
  const style = styles(io, values["no-color"] === true).out;
  const print = (result: object, human: string[]) => io.out.write(values.json ? `${JSON.stringify(result)}\n` : `${human.join("\n")}\n`);

  if (type === "tcp") {
    const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(target);
    if (!m) throw new UsageError(`a tcp check needs tcp://host:port, got ${JSON.stringify(target)}`, "probe");
    const result = await fetcher.connect(m[1].replace(/^\[(.*)\]$/, "$1"), Number(m[2]));
    if (!result.ok) return reportFailure(io, values.json, result.failure!);
    print({ ok: true, type, url: target, latency_ms: result.latencyMs }, [`${style.green("ok")}  ${clean(target)} accepts connections (${result.latencyMs}ms)`]);
    return 0;
  }

  if (type === "http") {
    const result = await fetcher.get(target);
    if (!result.ok) return reportFailure(io, values.json, result.failure);
    const { status, url, latencyMs } = result.response;
    const ok = status >= 200 && status < 300;
    print({ ok, type, url, status, latency_ms: latencyMs }, [`${ok ? style.green("ok") : style.red("fail")}  ${clean(url)} answered HTTP ${status} (${latencyMs}ms)`]);
    if (!ok) throw new CliError(`http_status: ${url} answered HTTP ${status}, not 2xx`);
    return 0;
  }

  const result = await discoverA2ACard(fetcher, target);
  if (!result.ok) {
    const { problem } = result;
    if (values.json) io.out.write(`${JSON.stringify({ ok: false, problem: { ...problem, message: forCli(problem.message) } })}\n`);
    else for (const f of problem.faults ?? []) io.out.write(`${style.red("fault")}  ${clean(f.path || "/")}  ${clean(f.message)}\n`);
    fail(problem.kind === "invalid_card" ? { ...problem, message: `the card does not follow the A2A schema (${problem.faults?.length ?? 0} fault${problem.faults?.length === 1 ? "" : "s"})` } : problem);
  }
  if (result.notModified) throw new CliError("the card answered 304 Not Modified to an unconditional fetch");
  const card = fromA2ACard(result.card);
  print({ ok: true, type, url: result.url, version: result.version, card, a2a: result.card }, cardLines(result.url, result.version, card, style));
  return 0;
}

function reportFailure(io: Io, json: boolean | undefined, failure: FetchFailure): never {
  if (json) io.out.write(`${JSON.stringify({ ok: false, problem: { kind: failure.kind, message: forCli(failure.message), url: failure.url } })}\n`);
  fail(failure);
}

function cardLines(url: string, version: string, raw: ReturnType<typeof fromA2ACard>, style: Style): string[] {
  const card = cleanDeep(raw);
  const field = (name: string, value: string) => `  ${style.dim(name.padEnd(12))}${value}`;
  const lines = [
    `${style.green("ok")}  ${clean(url)}: a valid A2A ${version} card`,
    "",
    `${style.bold(card.name)} v${card.version}`,
    field("endpoint", card.endpoint),
    field("protocol", `${card.protocol} (${String((card.metadata?.a2a as { protocol_binding?: string })?.protocol_binding ?? "")})`),
  ];
  if (card.provider) lines.push(field("provider", card.provider));
  if (card.tags?.length) lines.push(field("tags", card.tags.join(", ")));
  if (card.description) lines.push(field("description", oneLine(card.description).slice(0, 200)));
  lines.push("", style.bold("skills"));
  if (!card.skills?.length) lines.push(style.dim("  none"));
  for (const s of card.skills ?? []) lines.push(`  ${s.id ?? s.name}  ${s.name}${s.tags?.length ? `  ${style.dim(`[${s.tags.join(", ")}]`)}` : ""}`);
  return lines;
}
