/**
 * `agentmesh agents` (list, as a table, with the API's filters and sort) and
 * `agentmesh agents show <id>`. `--json` prints exactly what the API answered.
 */
import { AgentMeshClient } from "@agentmesh/client";
import type { Agent, HealthStatus, ListQuery, ListSort } from "../../shared/agent.js";
import { COMMON_HELP, common, intOption, oneOf, parse, UsageError } from "../args.js";
import { cleanDeep, terminalColumns } from "../../shared/terminal.js";
import { quote, relativeTime, score, table, truncate } from "../format.js";
import { styles, type Io } from "../io.js";
import { paintHealth, paintTier, type Style } from "../style.js";

// The allowed values, checked against the shared types at compile time (a Record
// must name every member and nothing else). Importing the shared arrays would load
// TypeBox and cost every `agentmesh agents` a third of a second.
const HEALTH_STATUSES = Object.keys({ unknown: 1, healthy: 1, degraded: 1, unhealthy: 1, offline: 1 } satisfies Record<HealthStatus, 1>) as HealthStatus[];
const LIST_SORTS = Object.keys({ name: 1, trust_score: 1, updated_at: 1, created_at: 1 } satisfies Record<ListSort, 1>) as ListSort[];

export const AGENTS_HELP = `agentmesh agents — list agents, or show one

Usage: agentmesh agents [list] [flags]
       agentmesh agents show <id> [--json]

List flags (the API's filters and sort):
  --health <status>    ${HEALTH_STATUSES.join(", ")}
  --tag <tag>          Only agents with this tag
  --skill <name>       Only agents offering this skill
  -s, --search <text>  Text search over id, name, description, tags and skills
  --sort <field>       ${LIST_SORTS.join(", ")} (default name)
  --order <asc|desc>   Default: asc for name, desc otherwise
  --limit <n>          Page size, 1–1000 (default 100)
  --offset <n>         Skip this many (default 0)
  --json               Print the API's answer as JSON ({agents,total,limit,offset,cursor};
                       for show: {agent,health,trust})

${COMMON_HELP}

Examples:
  agentmesh agents
  agentmesh agents --health degraded --sort trust_score
  agentmesh agents --tag nlp --search summar --limit 20
  agentmesh agents show billing-7
  agentmesh agents --json | jq -r '.agents[] | select(.trust_tier == "elite") | .id'
`;

export async function agentsCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    "agents",
    argv,
    {
      health: { type: "string" },
      tag: { type: "string" },
      skill: { type: "string" },
      search: { type: "string", short: "s" },
      sort: { type: "string" },
      order: { type: "string" },
      limit: { type: "string" },
      offset: { type: "string" },
      json: { type: "boolean" },
    },
    true,
  );
  if (values.help) {
    io.out.write(AGENTS_HELP);
    return 0;
  }
  const conn = common(values, io.env, "agents");
  const client = new AgentMeshClient({ url: conn.url, token: conn.token });
  const style = styles(io, conn.noColor).out;
  const [sub = "list", ...rest] = positionals;

  if (sub === "show") {
    if (rest.length !== 1) throw new UsageError("agents show needs exactly one agent id", "agents");
    const listOnly = ["health", "tag", "skill", "search", "sort", "order", "limit", "offset"].filter((k) => values[k as keyof typeof values] !== undefined);
    if (listOnly.length) throw new UsageError(`--${listOnly[0]} applies to the list, not to show`, "agents");
    const [agent, health, trust] = await Promise.all([client.get(rest[0]), client.health(rest[0]), client.trust(rest[0])]);
    // --json is what the API answered, byte for byte; only human output is cleaned.
    io.out.write(values.json ? `${JSON.stringify({ agent, health, trust }, null, 2)}\n` : `${showLines(agent, cleanDeep(health), cleanDeep(trust), style).join("\n")}\n`);
    return 0;
  }
  if (sub !== "list") throw new UsageError(`unknown subcommand ${JSON.stringify(sub)} (use list or show <id>)`, "agents");
  if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`, "agents");

  const query: ListQuery = {
    health: oneOf(values.health, HEALTH_STATUSES, "health", "agents"),
    tag: values.tag,
    skill: values.skill,
    q: values.search,
    sort: oneOf(values.sort, LIST_SORTS, "sort", "agents"),
    order: oneOf(values.order, ["asc", "desc"] as const, "order", "agents"),
    limit: intOption(values.limit, "limit", "agents", 1, 1000),
    offset: intOption(values.offset, "offset", "agents"),
  };
  for (const key of Object.keys(query) as (keyof ListQuery)[]) if (query[key] === undefined) delete query[key];
  const list = await client.list(query);
  if (values.json) {
    io.out.write(`${JSON.stringify(list)}\n`);
    return 0;
  }
  // Notes about the list go to stderr, so a pipe gets the header and the rows only.
  const note = styles(io, conn.noColor).err;
  if (list.agents.length === 0) {
    io.err.write(`${note.dim(list.total === 0 ? "no agents match" : `no agents at offset ${list.offset} (${list.total} match)`)}\n`);
    return 0;
  }
  const now = Date.now();
  // On a terminal the table fits its width: names, ids and tags are cut first
  // (with …), then TAGS, PROTOCOL, VERSION and HEARTBEAT are left out, in that order.
  const lines = table<Agent>(
    cleanDeep(list.agents),
    [
      { title: "ID", text: (a) => a.id, max: 40, min: 24, paint: (c) => style.bold(c) },
      { title: "NAME", text: (a) => a.name, max: 28, min: 10 },
      { title: "HEALTH", text: (a) => a.health_status, paint: (c, a) => c.replace(a.health_status, paintHealth(style, a.health_status)) },
      { title: "TRUST", text: (a) => `${score(a.trust_score)} ${a.trust_tier}`, paint: (c, a) => c.replace(a.trust_tier, paintTier(style, a.trust_tier)) },
      { title: "HEARTBEAT", text: (a) => relativeTime(a.last_heartbeat_at, now), drop: 1 },
      { title: "VERSION", text: (a) => a.version, max: 14, min: 7, drop: 2 },
      { title: "PROTOCOL", text: (a) => a.protocol, drop: 3 },
      { title: "TAGS", text: (a) => a.tags.join(","), max: 36, min: 12, drop: 4, paint: (c) => style.dim(c) },
    ],
    style,
    terminalColumns(io.out),
  );
  const first = list.offset + 1;
  const last = list.offset + list.agents.length;
  const more = last < list.total ? ` (next page: --offset ${last})` : "";
  const footer = `${first}–${last} of ${list.total} agent${list.total === 1 ? "" : "s"}${more}`;
  io.out.write(`${lines.join("\n")}\n`);
  io.err.write(`${note.dim(footer)}\n`);
  return 0;
}

function showLines(raw: Agent, health: Awaited<ReturnType<AgentMeshClient["health"]>>, trust: Awaited<ReturnType<AgentMeshClient["trust"]>>, style: Style): string[] {
  const agent = cleanDeep(raw);
  const now = Date.now();
  const field = (name: string, value: string) => `  ${style.dim(name.padEnd(12))}${value}`;
  const lines = [
    `${style.bold(agent.id)}  ${agent.name} v${agent.version}`,
    field("health", `${paintHealth(style, agent.health_status)} · last heartbeat ${relativeTime(agent.last_heartbeat_at, now)}`),
    field("trust", `${score(agent.trust_score)} ${paintTier(style, agent.trust_tier)}`),
    field("protocol", agent.protocol),
    field("endpoint", agent.endpoint),
  ];
  if (agent.provider) lines.push(field("provider", agent.provider));
  if (agent.tags.length) lines.push(field("tags", agent.tags.join(", ")));
  if (agent.description) lines.push(field("description", truncate(agent.description, 200)));
  if (agent.metadata && Object.keys(agent.metadata).length) lines.push(field("metadata", truncate(JSON.stringify(raw.metadata), 200)));
  lines.push(field("revision", `${agent.revision} · created ${relativeTime(agent.created_at, now)} · updated ${relativeTime(agent.updated_at, now)}`));
  lines.push("", style.bold("skills"));
  if (agent.skills.length === 0) lines.push(style.dim("  none"));
  for (const s of agent.skills) lines.push(`  ${s.name}${s.description ? `  ${style.dim(s.description)}` : ""}${s.tags?.length ? `  ${style.dim(`[${s.tags.join(", ")}]`)}` : ""}`);
  lines.push("", style.bold("recent health"));
  if (health.history.length === 0) lines.push(style.dim("  no transitions yet"));
  for (const h of health.history.slice(-8)) {
    lines.push(`  ${style.dim(relativeTime(h.at, now).padEnd(9))} ${paintHealth(style, h.previous_status)} → ${paintHealth(style, h.status)}${h.message ? `  ${style.dim(quote(h.message))}` : ""}`);
  }
  lines.push("", style.bold("recent trust"));
  if (trust.history.length === 0) lines.push(style.dim("  no changes yet"));
  for (const t of trust.history.slice(-8)) {
    lines.push(`  ${style.dim(relativeTime(t.at, now).padEnd(9))} ${score(t.score)} ${paintTier(style, t.tier)}${t.reason ? `  ${style.dim(t.reason)}` : ""}`);
  }
  return lines;
}
