/**
 * `agentmesh events`: tails the registry's event stream. Readable coloured
 * lines by default, `--json` for one JSON object per line; resumes by itself
 * after disconnects and restarts, and says on stderr when it had to reset.
 */
import { AgentMeshClient, type Subscription } from "@agentmesh/client";
import { EVENT_TYPES, type EventType } from "../../shared/events.js";
import { clean } from "../../shared/terminal.js";
import { COMMON_HELP, common, describeError, intOption, oneLine, parse, UsageError } from "../args.js";
import { EVENT_LABELS, describeReset, formatEvent } from "../format.js";
import { styles, untilSignal, type Io } from "../io.js";

export const EVENTS_HELP = `agentmesh events — tail the registry's event stream

Usage: agentmesh events [flags]

One line per event: time, event id, type, agent, what changed. Reconnects by
itself and resumes after the last event it printed, so nothing is lost or
repeated across disconnects and server restarts; if the server cannot resume
(history pruned, new database) it says so on stderr and continues live.

Flags:
  --json               One JSON object per line (the event, with its "id"); a
                       reset is printed as {"type":"reset",...} too
  --types <list>       Only these types, comma-separated or repeated:
                       ${EVENT_TYPES.join(", ")}
                       (or short: registered, updated, deregistered, health, trust)
  --agent <id>         Only this agent's events (repeatable)
  --since <event id>   Start after this event id (replays what the server still
                       holds); default: from now
  -q, --quiet          No connection messages on stderr (resets are still reported)

${COMMON_HELP}

Examples:
  agentmesh events
  agentmesh events --types health,trust --agent billing-7
  agentmesh events --since 0 --json | jq -c 'select(.type == "agent_health_changed")'
  AGENTMESH_URL=http://registry:8000 AGENTMESH_TOKEN=$READ_TOKEN agentmesh events
`;

const SHORT_TYPES = Object.fromEntries(Object.entries(EVENT_LABELS).map(([type, label]) => [label, type])) as Record<string, EventType>;

export function parseTypes(raw: string[] | undefined, command = "events"): EventType[] | undefined {
  if (!raw?.length) return undefined;
  const types = raw.flatMap((t) => t.split(",")).map((t) => t.trim()).filter(Boolean);
  return [
    ...new Set(
      types.map((t) => {
        const type = SHORT_TYPES[t] ?? t;
        if (!(EVENT_TYPES as readonly string[]).includes(type)) throw new UsageError(`--types: unknown event type ${JSON.stringify(t)} (known: ${EVENT_TYPES.join(", ")})`, command);
        return type as EventType;
      }),
    ),
  ];
}

export async function eventsCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse("events", argv, {
    json: { type: "boolean" },
    types: { type: "string", multiple: true },
    agent: { type: "string", multiple: true },
    since: { type: "string" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help) {
    io.out.write(EVENTS_HELP);
    return 0;
  }
  const conn = common(values, io.env, "events");
  const types = parseTypes(values.types);
  const since = intOption(values.since, "since", "events");
  const style = styles(io, conn.noColor);
  const say = (line: string) => void io.err.write(`${style.err.dim(`agentmesh events: ${clean(line)}`)}\n`);
  const warn = (line: string) => void io.err.write(`${style.err.yellow(`agentmesh events: ${clean(line)}`)}\n`);

  const client = new AgentMeshClient({ url: conn.url, token: conn.token });
  let everLive = false;
  let lost = false;
  let agentWidth = 16;
  let sub: Subscription | undefined = undefined;
  sub = client.subscribe(
    {
      types,
      agentId: values.agent,
      since,
      snapshot: false,
      onStatus: (state) => {
        if (values.quiet) return;
        if (state === "live") {
          say(`${everLive ? "reconnected" : "connected"} to ${client.url}; following after event #${sub?.lastEventId ?? since ?? "?"}`);
          everLive = true;
          lost = false;
        } else if (state === "reconnecting" && everLive && !lost) {
          say("connection lost; reconnecting…");
          lost = true;
        }
      },
    },
    (u) => {
      if (u.type === "snapshot") return;
      if (u.type === "reset") {
        warn(describeReset(u));
        if (values.json) io.out.write(`${JSON.stringify(u)}\n`);
        return;
      }
      if (values.json) {
        io.out.write(`${JSON.stringify(u)}\n`);
        return;
      }
      agentWidth = Math.min(32, Math.max(agentWidth, u.agent_id.length));
      io.out.write(`${formatEvent(u, style.out, agentWidth)}\n`);
    },
  );

  const outcome = await Promise.race([untilSignal().then(() => null), sub.done]);
  sub.close();
  if (outcome) {
    io.err.write(`agentmesh events: ${clean(oneLine(describeError(outcome, conn)))}\n`);
    return 1;
  }
  return 0;
}
