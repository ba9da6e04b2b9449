/**
 * Between A2A Agent Cards and AgentMesh cards, both ways, as pure functions.
 *
 * A2A → AgentMesh (`fromA2ACard`): a validated card of either version becomes
 * an AgentMesh card that passes the AgentMesh schema's limits. Text is kept as
 * published where it fits; what does not fit is cut (with …) and control
 * characters a single line may not hold become spaces. The whole A2A card is
 * kept beside it by the registry, so nothing is lost, only shortened here.
 *
 * AgentMesh → A2A (`toA2ACard`): any registered agent as a current (1.0) card,
 * so A2A clients can consume every agent in the registry.
 */
import type { Agent, AgentCard, Protocol, Skill } from "../../shared/agent.js";
import { A2A_PROTOCOL_VERSION, type A2ACard, type A2ACardV1, type A2AInterface, type A2ASkill } from "./types.js";

/** The AgentMesh card's limits (src/shared/agent.ts) that mapping must respect. */
const LIMITS = {
  name: 200,
  version: 50,
  description: 2000,
  provider: 200,
  skills: 100,
  skillName: 100,
  skillDescription: 1000,
  skillTags: 20,
  skillTag: 50,
  skillId: 100,
  examples: 10,
  example: 500,
  modes: 20,
  mode: 100,
  tags: 50,
  tag: 50,
} as const;

// Control characters and unpaired surrogates (LINE_PATTERN / TEXT_PATTERN in shared/agent.ts).
const NOT_IN_LINE = /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NOT_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Cuts to `max` characters (UTF-16 units, as the schema counts), ending with … when cut, never inside a pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
const line = (text: string, max: number) => clip(text.replace(NOT_IN_LINE, " ").trim(), max);
const freeText = (text: string, max: number) => clip(text.replace(NOT_IN_TEXT, " "), max);
/** A tag or skill name: a line without `|` (TERM_PATTERN). */
const term = (text: string, max: number) => line(text.replaceAll("|", "/"), max);
const labels = (list: string[] | undefined, maxItems: number, max: number, make = line) =>
  [...new Set((list ?? []).map((s) => make(s, max)).filter((s) => s !== ""))].slice(0, maxItems);

/** The card's endpoints, first preferred, in the current version's shape whatever version it is. */
export function interfacesOf(card: A2ACard): A2AInterface[] {
  if ("supportedInterfaces" in card && Array.isArray(card.supportedInterfaces)) return card.supportedInterfaces;
  const v03 = card as Extract<A2ACard, { url: string }>;
  const version = v03.protocolVersion ?? "0.3";
  return [
    { url: v03.url, protocolBinding: v03.preferredTransport ?? "JSONRPC", protocolVersion: version },
    ...(v03.additionalInterfaces ?? []).filter((i) => i.url !== v03.url || i.transport !== (v03.preferredTransport ?? "JSONRPC")).map((i) => ({ url: i.url, protocolBinding: i.transport, protocolVersion: version })),
  ];
}

function skillFromA2A(skill: A2ASkill, name: string): Skill {
  const out: Skill = { name, description: freeText(skill.description, LIMITS.skillDescription), id: line(skill.id, LIMITS.skillId) || name };
  const tags = labels(skill.tags, LIMITS.skillTags, LIMITS.skillTag);
  if (tags.length) out.tags = tags;
  const examples = (skill.examples ?? []).slice(0, LIMITS.examples).map((e) => freeText(e, LIMITS.example));
  if (examples.length) out.examples = examples;
  const input = labels(skill.inputModes, LIMITS.modes, LIMITS.mode);
  if (input.length) out.input_modes = input;
  const output = labels(skill.outputModes, LIMITS.modes, LIMITS.mode);
  if (output.length) out.output_modes = output;
  return out;
}

/** Skill names are unique in AgentMesh; A2A requires unique ids only, so a repeated name gets its id added. */
function skillsFromA2A(skills: A2ASkill[]): Skill[] {
  const taken = new Set<string>();
  const out: Skill[] = [];
  for (const skill of skills.slice(0, LIMITS.skills)) {
    let name = term(skill.name, LIMITS.skillName) || term(skill.id, LIMITS.skillName) || "skill";
    if (taken.has(name)) name = term(`${name} (${skill.id})`, LIMITS.skillName);
    for (let n = 2; taken.has(name); n++) name = term(`${skill.name} ${n}`, LIMITS.skillName);
    taken.add(name);
    out.push(skillFromA2A(skill, name));
  }
  return out;
}

/**
 * A validated A2A card (parseA2ACard) as an AgentMesh card without its id (the
 * registrant names it, or see `suggestAgentId`). The endpoint is the first
 * interface's URL, the protocol `a2a`; the binding and A2A version are kept in
 * `metadata.a2a`; the agent's tags are its skills' tags, so `tag=` finds them.
 */
export function fromA2ACard(card: A2ACard): Omit<AgentCard, "id"> {
  const [preferred] = interfacesOf(card);
  const skills = skillsFromA2A(card.skills);
  const tags = labels(
    skills.flatMap((s) => s.tags ?? []),
    LIMITS.tags,
    LIMITS.tag,
    term,
  );
  const out: Omit<AgentCard, "id"> = {
    name: line(card.name, LIMITS.name) || "unnamed agent",
    version: line(card.version, LIMITS.version) || "unknown",
    description: freeText(card.description, LIMITS.description),
    // Parsed and written back: the schema's `uri` format wants spaces and the like percent-encoded.
    endpoint: new URL(preferred.url).href,
    protocol: "a2a",
    skills,
    tags,
    metadata: { a2a: { protocol_binding: preferred.protocolBinding.slice(0, 100), protocol_version: preferred.protocolVersion.slice(0, 50) } },
  };
  if (card.provider?.organization) out.provider = line(card.provider.organization, LIMITS.provider);
  return out;
}

/** An AgentMesh id from the card's name (`Recipe Agent` → `recipe-agent`), for registrations that name none. */
export function suggestAgentId(card: Pick<A2ACard, "name">): string {
  const slug = card.name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9_:.]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 100);
  return slug === "" ? "a2a-agent" : slug;
}

/** The A2A binding an AgentMesh protocol is reached by; non-A2A protocols keep their name (bindings are open-form). */
function bindingOf(agent: Pick<Agent, "protocol" | "metadata">): string {
  const stored = (agent.metadata?.a2a as { protocol_binding?: unknown } | undefined)?.protocol_binding;
  if (agent.protocol === "a2a") return typeof stored === "string" && stored ? stored : "JSONRPC";
  const known: Partial<Record<Protocol, string>> = { grpc: "GRPC", http: "HTTP+JSON" };
  return known[agent.protocol] ?? agent.protocol.toUpperCase();
}

/** The web site of an endpoint's host: its origin, with ws/grpc schemes read as their http counterparts. */
function siteOf(endpoint: string): string {
  const url = new URL(endpoint);
  const secure = /s:$/.test(url.protocol) && url.protocol !== "ws:";
  return `${secure || url.protocol === "https:" ? "https" : "http"}://${url.host}`;
}

function skillToA2A(skill: Skill): A2ASkill {
  const out: A2ASkill = { id: skill.id ?? skill.name, name: skill.name, description: skill.description, tags: skill.tags ?? [] };
  if (skill.examples?.length) out.examples = skill.examples;
  if (skill.input_modes?.length) out.inputModes = skill.input_modes;
  if (skill.output_modes?.length) out.outputModes = skill.output_modes;
  return out;
}

/**
 * Any agent as a current (1.0) A2A card, for `GET /agents/{id}/card` when no
 * published card is stored. A2A requires a provider URL, which AgentMesh does
 * not have: the site of the endpoint's host stands in for it. Input and output modes
 * default to text, as A2A agents most often declare.
 */
export function toA2ACard(agent: Pick<Agent, "name" | "description" | "version" | "endpoint" | "protocol" | "skills" | "provider" | "metadata">): A2ACardV1 {
  const version = (agent.metadata?.a2a as { protocol_version?: unknown } | undefined)?.protocol_version;
  const card: A2ACardV1 = {
    name: agent.name,
    description: agent.description,
    version: agent.version,
    supportedInterfaces: [
      { url: agent.endpoint, protocolBinding: bindingOf(agent), protocolVersion: agent.protocol === "a2a" && typeof version === "string" && version ? version : A2A_PROTOCOL_VERSION },
    ],
    capabilities: {},
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: agent.skills.map(skillToA2A),
  };
  if (agent.provider) card.provider = { organization: agent.provider, url: siteOf(agent.endpoint) };
  return card;
}
