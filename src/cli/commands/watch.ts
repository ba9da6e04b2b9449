/**
 * `agentmesh watch <selector>`: a standing query. Prints the agents that match
 * now, then each one that enters or leaves the answer (and, with --verbose,
 * each change of one that stays), resuming by itself across disconnects and
 * restarts. Built on the SDK's `watch()`; `--json` prints one object per line.
 */
import { AgentMeshClient, type Agent, type WatchChange } from "@agentmesh/client";
import { cleanDeep, clean, padWidth } from "../../shared/terminal.js";
import { COMMON_HELP, common, describeError, oneLine, parse, UsageError } from "../args.js";
import { score } from "../format.js";
import { styles, untilSignal, type Io } from "../io.js";
import { readSelector, showSelector } from "../selector.js";
import { paintHealth, paintTier, type Style } from "../style.js";

export const WATCH_HELP = `agentmesh watch — keep a selector's answer on screen

Usage: agentmesh watch <selector> [flags]

Prints the agents that match the selector now, then a line for each agent
that enters (+) or leaves (-) the answer, as it happens. Resumes by itself
after disconnects and server restarts; if the server cannot resume, it lists
the answer again and prints what entered and left meanwhile.

The selector is a set of query parameters (docs/selectors.md): protocol, tag,
skill, health, tier, min_trust, provider, q; '' watches every agent.

Flags:
  --verbose            Also a line (~) for each change of an agent that stays in the answer
  --json               One JSON object per line: first {"type":"answer","cursor":…,"agents":[…]},
                       then {"type":"entered"|"left"|"updated"|"reset",…} as the SDK's
                       watch() reports them ("updated" only with --verbose)
  -q, --quiet          No connection messages on stderr

${COMMON_HELP}

Examples:
  agentmesh watch 'protocol=a2a&skill=summarize&min_trust=0.8'
  agentmesh watch 'health=unhealthy,offline&tag=prod' --verbose
  agentmesh watch 'tier=elite' --json | jq -c 'select(.type == "left") | .agent.id'
`;

/** `+ billing-7  Billing  healthy  0.91 elite`: one agent of the answer. */
export function agentLine(mark: string, agent: Agent, style: Style, idWidth: number, note = ""): string {
  const a = cleanDeep(agent);
  return `${mark} ${style.bold(padWidth(a.id, idWidth))}  ${a.name}  ${paintHealth(style, a.health_status)}  ${score(a.trust_score)} ${paintTier(style, a.trust_tier)}${note ? `  ${style.dim(note)}` : ""}`;
}

/** The lines a change prints (none for an update unless verbose). */
export function changeLines(change: WatchChange, style: Style, idWidth: number, verbose: boolean): string[] {
  switch (change.type) {
    case "entered":
      return [agentLine(style.green("+"), change.agent, style, idWidth, `#${change.event}`)];
    case "left":
      return [agentLine(style.red("-"), change.agent, style, idWidth, `${change.reason === "deregistered" ? "deregistered" : "no longer matches"} #${change.event}`)];
    case "updated":
      return verbose ? [agentLine(style.blue("~"), change.agent, style, idWidth, `revision ${change.agent.revision} #${change.event}`)] : [];
    case "reset":
      return [
        ...change.entered.map((a) => agentLine(style.green("+"), a, style, idWidth, "(while disconnected)")),
        ...change.left.map((a) => agentLine(style.red("-"), a, style, idWidth, "(while disconnected)")),
      ];
  }
}

export async function watchCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("watch", argv, { json: { type: "boolean" }, verbose: { type: "boolean" }, quiet: { type: "boolean", short: "q" } }, true);
  if (values.help) {
    io.out.write(WATCH_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument ${JSON.stringify(positionals[1])}` : "watch needs a selector, e.g. 'skill=summarize&health=healthy' ('' for every agent)", "watch");
  const selector = readSelector(positionals[0], "watch", "selector");
  const conn = common(values, io.env, "watch");
  const style = styles(io, conn.noColor);
  const say = (line: string) => void (values.quiet || io.err.write(`${style.err.dim(`agentmesh watch: ${clean(line)}`)}\n`));
  const warn = (line: string) => void io.err.write(`${style.err.yellow(`agentmesh watch: ${clean(line)}`)}\n`);
  const json = (value: unknown) => void io.out.write(`${JSON.stringify(value)}\n`);

  let idWidth = 16;
  const widen = (agents: Iterable<Agent>) => {
    for (const a of agents) idWidth = Math.min(32, Math.max(idWidth, clean(a.id).length));
  };
  // Changes before the first answer is printed are in it (as of `lastEventId`): not printed twice.
  let printed = false;
  let everLive = false;
  let lost = false;
  const print = (change: WatchChange) => {
    if (change.type === "reset") warn(`could not resume; listed the answer again after #${change.cursor} (${change.agents.length} match)`);
    if (values.json) {
      if (change.type !== "updated" || values.verbose) json(change);
      return;
    }
    widen(change.type === "reset" ? change.agents : [change.agent]);
    for (const line of changeLines(change, style.out, idWidth, values.verbose === true)) io.out.write(`${line}\n`);
  };

  const client = new AgentMeshClient({ url: conn.url, token: conn.token });
  const view = client.watch(selector, {
    onChange: (change) => printed && print(change),
    onStatus: (state) => {
      if (state === "live") {
        if (everLive) say(`reconnected; resumed after event #${view.lastEventId}`);
        everLive = true;
        lost = false;
      } else if (state === "reconnecting" && everLive && !lost) {
        say("connection lost; reconnecting…");
        lost = true;
      }
    },
  });
  const started = await Promise.race([view.ready.then(() => null, (err: unknown) => err), untilSignal().then(() => "signal" as const)]);
  if (started === "signal") {
    view.close();
    return 0;
  }
  if (started === null) {
    const agents = [...view.agents.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (values.json) json({ type: "answer", cursor: view.lastEventId, agents });
    else {
      widen(agents);
      for (const a of agents) io.out.write(`${agentLine(" ", a, style.out, idWidth)}\n`);
      say(`${agents.length} agent${agents.length === 1 ? "" : "s"} match ${showSelector(selector)} as of event #${view.lastEventId}; watching for changes`);
    }
    printed = true;
  }
  const outcome = started ?? (await Promise.race([untilSignal().then(() => null), view.done]));
  view.close();
  if (outcome) {
    io.err.write(`agentmesh watch: ${clean(oneLine(describeError(outcome, conn)))}\n`);
    return 1;
  }
  return 0;
}
