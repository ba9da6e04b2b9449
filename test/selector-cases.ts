/**
 * Random agents and selectors for the selector tests, drawn from small pools
 * so that they collide: the same word in several cases, characters whose
 * lower case is odd (ß, final Σ, İ, the Kelvin sign, ǅ), LIKE's wildcards and
 * escape (`%`, `_`, `\`), and trust scores on and beside the tier bounds.
 * Seeded (src/cli/sim/random.ts), so a failure repeats.
 */
import type { HealthStatus, Protocol, TrustTier } from "../src/shared/agent.js";
import type { Selector } from "../src/shared/selector.js";
import { searchText, type SelectorSubject } from "../src/shared/selector-match.js";
import type { Random } from "../src/cli/sim/random.js";

export const PROTOCOLS: Protocol[] = ["a2a", "mcp", "http", "grpc", "websocket", "custom"];
export const HEALTH: HealthStatus[] = ["unknown", "healthy", "degraded", "unhealthy", "offline"];
export const TIERS: TrustTier[] = ["elite", "reliable", "experimental"];

/** Tag and skill words: valid terms (no `|`, no control characters). */
const WORDS = [
  "nlp", "NLP", "Nlp", "prod", "PROD", "gpu", "summarize", "Summarize", "search", "a,b", "50%", "x_y", "x%y", "back\\slash",
  "Straße", "STRASSE", "strasse", "ΟΔΟΣ", "οδος", "ΟΔΟΣΑ", "İstanbul", "istanbul", "\u212Aelvin", "kelvin", "ǅemal", "ǆemal",
  "café", "CAFÉ", "cafe\u0301", "emoji🙂", "two words", " padded ", "日本語",
];
const PROVIDERS = ["Acme", "acme", "ACME", "Ex%mple Corp", "under_score", "Straße AG", ""];
/** Scores on, just below and just above the tier bounds, the ends, and arbitrary ones. */
const SCORES = [0, 1, 0.5, 0.8, 0.49999999999999994, 0.7999999999999999, 0.8000000000000002, 0.5000000000000001, 0.3, 0.65, 0.95];

function score(rng: Random): number {
  return rng.chance(0.6) ? rng.pick(SCORES) : rng.chance(0.5) ? Math.round(rng.next() * 100) / 100 : rng.next();
}

/** The same word in another case, as a user might type it. */
function recase(rng: Random, word: string): string {
  const r = rng.int(0, 3);
  return r === 0 ? word.toLowerCase() : r === 1 ? word.toUpperCase() : word;
}

export interface AgentShape extends SelectorSubject {
  protocol: Protocol;
  health_status: HealthStatus;
  skills: { name: string; description: string; tags?: string[] }[];
  tags: string[];
}

export function randomAgent(rng: Random, n: number): AgentShape {
  const words = () => rng.sample(WORDS, rng.int(0, 3));
  return {
    id: `agent-${n}${rng.chance(0.2) ? "_x" : ""}`,
    name: `${rng.pick(WORDS)} ${rng.chance(0.5) ? rng.pick(WORDS) : "agent"}`.trim() || "agent",
    description: words().join(rng.pick([" ", "\n", "\t", "\r\n"])),
    protocol: rng.pick(PROTOCOLS),
    tags: words(),
    skills: rng.sample(WORDS, rng.int(0, 3)).map((name) => ({ name, description: "does things", ...(rng.chance(0.5) ? { tags: words() } : {}) })),
    provider: rng.chance(0.3) ? null : rng.pick(PROVIDERS),
    health_status: rng.pick(HEALTH),
    trust_score: score(rng),
  };
}

/** A piece of an agent's searchable text, re-cased, or a word, or a LIKE metacharacter alone. */
function query(rng: Random, agents: readonly SelectorSubject[]): string {
  const r = rng.int(0, 9);
  if (r === 0) return rng.pick(["%", "_", "\\", "\\%", "a_", "e\u0301"]);
  if (r <= 3 || agents.length === 0) return recase(rng, rng.pick(WORDS));
  const lines = searchText(rng.pick(agents)).split(/[\n\t\r]/).filter((l) => l !== "");
  const line = lines.length ? rng.pick(lines) : "agent";
  const chars = [...line];
  const start = rng.int(0, Math.max(0, chars.length - 1));
  return recase(rng, chars.slice(start, start + rng.int(1, 6)).join(""));
}

/** A valid selector (what `parseSelector` can give), each part present with some chance. */
export function randomSelector(rng: Random, agents: readonly SelectorSubject[]): Selector {
  const s: Selector = {};
  if (rng.chance(0.25)) s.protocol = rng.sample(PROTOCOLS, rng.int(1, 3));
  if (rng.chance(0.35)) s.tag = rng.sample(WORDS, rng.int(1, 2)).map((w) => recase(rng, w));
  if (rng.chance(0.3)) s.skill = rng.sample(WORDS, rng.int(1, 2)).map((w) => recase(rng, w));
  if (rng.chance(0.3)) s.health = rng.sample(HEALTH, rng.int(1, 3));
  if (rng.chance(0.25)) s.tier = rng.sample(TIERS, rng.int(1, 2));
  if (rng.chance(0.25)) s.min_trust = score(rng);
  if (rng.chance(0.15)) s.provider = rng.pick(PROVIDERS.filter((p) => p !== ""));
  if (rng.chance(0.4)) s.q = query(rng, agents);
  return s;
}
