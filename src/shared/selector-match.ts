/**
 * Whether an agent matches a selector, and what an event does to a standing
 * query (`entered`, `left`, `stayed`). This is exactly the SQL the store runs
 * (server/store/selector-sql.ts; a randomized test holds the two equal on
 * SQLite and PostgreSQL), so a client can keep a query's answer from events
 * and get the same agents a list call would.
 *
 * How text compares: the stores keep tags, skill names and the search text
 * lower-cased by `String.prototype.toLowerCase` (Unicode's default mapping,
 * the same on every machine) and compare them with LIKE against a query
 * lower-cased the same way. Neither database folds case itself here: SQLite's
 * LIKE would fold only A–Z, PostgreSQL's LIKE folds nothing, and `lower()` or
 * ILIKE would follow each server's locale. So every comparison below is exact
 * on lower-cased text, including Unicode's quirks (`"İ"` lowers to `"i̇"`, a
 * final `Σ` to `ς`).
 */
import { searchText, termIndex } from "@agentmesh/client";
import { normalizeSelector, TIER_RANGES, type Selector } from "./selector-grammar.js";

/** What of an agent a selector reads: an `Agent` snapshot has all of it. */
export interface SelectorSubject {
  id: string;
  name: string;
  description: string;
  protocol: string;
  tags: readonly string[];
  skills: readonly { name: string; tags?: readonly string[] }[];
  provider: string | null;
  health_status: string;
  trust_score: number;
}

/** The fields of `SelectorSubject`: what an event must record of the agent before a change (docs/selectors.md). */
export const SUBJECT_FIELDS = ["id", "name", "description", "protocol", "tags", "skills", "provider", "health_status", "trust_score"] as const;

/** Just the fields a selector reads (skills without their descriptions). */
export function subjectOf(agent: SelectorSubject): SelectorSubject {
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    protocol: agent.protocol,
    tags: [...agent.tags],
    skills: agent.skills.map((s) => (s.tags ? { name: s.name, tags: [...s.tags] } : { name: s.name })),
    provider: agent.provider,
    health_status: agent.health_status,
    trust_score: agent.trust_score,
  };
}

// The text index and search text the stores keep: one definition, in the client package.
export { searchText, termIndex } from "@agentmesh/client";

type Predicate = (agent: SelectorSubject) => boolean;

function compile(selector: Selector): Predicate {
  const s = normalizeSelector(selector);
  const checks: Predicate[] = [];
  if (s.protocol) {
    const set = new Set<string>(s.protocol);
    checks.push((a) => set.has(a.protocol));
  }
  if (s.tag) {
    const needles = s.tag.map((t) => `|${t}|`);
    checks.push((a) => {
      const index = termIndex(a.tags);
      return needles.every((n) => index.includes(n));
    });
  }
  if (s.skill) {
    const needles = s.skill.map((t) => `|${t}|`);
    checks.push((a) => {
      const index = termIndex(a.skills.map((k) => k.name));
      return needles.every((n) => index.includes(n));
    });
  }
  if (s.health) {
    const set = new Set<string>(s.health);
    checks.push((a) => set.has(a.health_status));
  }
  if (s.tier) {
    const ranges = s.tier.map((t) => TIER_RANGES[t]);
    checks.push((a) => ranges.some((r) => a.trust_score >= r.min && a.trust_score < r.below));
  }
  if (s.min_trust !== undefined) {
    const min = s.min_trust;
    checks.push((a) => a.trust_score >= min);
  }
  if (s.provider !== undefined) {
    const provider = s.provider;
    checks.push((a) => a.provider === provider);
  }
  if (s.q !== undefined) {
    const q = s.q;
    checks.push((a) => searchText(a).includes(q));
  }
  return (a) => checks.every((check) => check(a));
}

/** Compiled once per selector object: a stream evaluates its selector for every event. */
const compiled = new WeakMap<Selector, Predicate>();

/**
 * True when the agent is in the selector's answer: what `GET /agents` with
 * this selector lists.
 *
 * @example
 * matches({ health: ["healthy"], min_trust: 0.8 }, agent)
 */
export function matches(selector: Selector, agent: SelectorSubject): boolean {
  let predicate = compiled.get(selector);
  if (!predicate) compiled.set(selector, (predicate = compile(selector)));
  return predicate(agent);
}

/** What an event does to a standing query's answer. */
export type Match = "entered" | "left" | "stayed";

/**
 * How a change moves the agent relative to the selector: `entered` (it
 * matches after but not before), `left` (before but not after), `stayed`
 * (both), or null (neither: the event is not delivered). `before` is null for
 * a registration, `after` for a deregistration.
 *
 * @example
 * classify({ health: ["healthy"] }, { ...a, health_status: "degraded" }, a) // "entered" when a is healthy
 */
export function classify(selector: Selector, before: SelectorSubject | null, after: SelectorSubject | null): Match | null {
  const was = before !== null && matches(selector, before);
  const is = after !== null && matches(selector, after);
  if (was && is) return "stayed";
  if (is) return "entered";
  if (was) return "left";
  return null;
}
