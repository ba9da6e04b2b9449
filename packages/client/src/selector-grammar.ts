/**
 * The grammar of selectors (import them from selector.ts): one way to say
 * which agents you mean, for `GET /agents` (which agents to list) and
 * `GET /events` (whose events to deliver, each with its `match`). A selector
 * is a set of query parameters (docs/selectors.md):
 *
 *     protocol=a2a,mcp  tag=nlp&tag=prod  skill=summarize  health=healthy,degraded
 *     tier=elite  min_trust=0.8  provider=Acme  q=text
 *
 * Parts combine with AND. Within a part, `protocol`, `health` and `tier` are
 * any-of (comma-separated or repeated); `tag` and `skill` are all-of
 * (repeated; no commas, as tags may hold commas). An empty value is the same
 * as leaving the part out, as a blank form field filters nothing.
 *
 * Pure TypeScript without TypeBox: the client package carries it. Matching
 * (selector-match.ts) and the store's SQL (src/server/store/selector-sql.ts) both
 * start from `normalizeSelector`, so they read a selector the same way.
 */
import type { HealthStatus, Protocol, TrustTier } from "./vocabulary.js";

/** A parsed selector. Absent parts select everything. Field names are the query parameters. */
export interface Selector {
  /** Any of these protocols. */
  protocol?: Protocol[];
  /** All of these tags (case-insensitive, exact). */
  tag?: string[];
  /** All of these skill names (case-insensitive, exact). */
  skill?: string[];
  /** Any of these health statuses. */
  health?: HealthStatus[];
  /** Any of these trust tiers. */
  tier?: TrustTier[];
  /** Trust score at least this, 0–1. */
  min_trust?: number;
  /** Exactly this provider (case-sensitive). */
  provider?: string;
  /** Text search: a case-insensitive substring of id, name, description, provider, tags, skill names or skill tags. */
  q?: string;
}

/** The query parameters a selector is made of, in the order `formatSelector` writes them. */
export const SELECTOR_PARAMETERS = ["protocol", "tag", "skill", "health", "tier", "min_trust", "provider", "q"] as const;
export type SelectorParameter = (typeof SELECTOR_PARAMETERS)[number];

/*
 * Each vocabulary with its canonical rank. `satisfies Record<…>` makes the
 * compiler refuse a list that misses or adds a value of agent.ts's union,
 * without importing agent.ts's values (and TypeBox with them).
 */
const PROTOCOL_RANK = { a2a: 0, mcp: 1, http: 2, grpc: 3, websocket: 4, custom: 5 } as const satisfies Record<Protocol, number>;
const HEALTH_RANK = { unknown: 0, healthy: 1, degraded: 2, unhealthy: 3, offline: 4 } as const satisfies Record<HealthStatus, number>;
const TIER_RANK = { elite: 0, reliable: 1, experimental: 2 } as const satisfies Record<TrustTier, number>;

/**
 * The trust score range of each tier, `min <= score < below`: the bounds of
 * `trustTier()` in agent.ts (selector.test.ts holds them equal), which the
 * store also uses for its counts.
 */
export const TIER_RANGES: Readonly<Record<TrustTier, { min: number; below: number }>> = {
  elite: { min: 0.8, below: Infinity },
  reliable: { min: 0.5, below: 0.8 },
  experimental: { min: -Infinity, below: 0.5 },
};

/**
 * Length limits (in code points, as the request schemas count) and the most
 * values a repeated part takes. Tags and skills are those of the card and of
 * today's list filters; no agent holds more than 20 of the same kind that a
 * query would need to name.
 */
export const SELECTOR_LIMITS = { tag: 50, skill: 100, provider: 200, q: 200, values: 20 } as const;

/*
 * The characters a value may hold: LINE_PATTERN and TERM_PATTERN of agent.ts
 * (selector.test.ts holds them equal). No control characters, no unpaired
 * surrogates; tags and skills also no `|`, which the stores' `|a|b|` index
 * would read as a separator.
 */
const LINE_RE = /^[^\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]*$/u;
const TERM_RE = /^[^|\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]*$/u;

/** A number written in decimal, optionally with an exponent: what `String(n)` writes for any n in 0–1. */
const NUMBER_RE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface SelectorFault {
  /** The query parameter at fault, e.g. `health`. */
  parameter: string;
  /** What is wrong, naming the bad value. */
  message: string;
}

export type SelectorParseResult = { ok: true; selector: Selector } | { ok: false; faults: SelectorFault[] };

/** A query string (with or without `?`), URLSearchParams, or a parsed query object (Fastify's: string or string[] per key). */
export type SelectorInput = string | URLSearchParams | Readonly<Record<string, unknown>>;

/** Faults reported at most, so a hostile query cannot make the answer large. */
const MAX_FAULTS = 10;

type Spec =
  | { kind: "choice"; ranks: Readonly<Record<string, number>>; noun: string }
  | { kind: "terms"; max: number }
  | { kind: "line"; max: number }
  | { kind: "score" };

const SPECS: Record<SelectorParameter, Spec> = {
  protocol: { kind: "choice", ranks: PROTOCOL_RANK, noun: "protocol" },
  tag: { kind: "terms", max: SELECTOR_LIMITS.tag },
  skill: { kind: "terms", max: SELECTOR_LIMITS.skill },
  health: { kind: "choice", ranks: HEALTH_RANK, noun: "health status" },
  tier: { kind: "choice", ranks: TIER_RANK, noun: "trust tier" },
  min_trust: { kind: "score" },
  provider: { kind: "line", max: SELECTOR_LIMITS.provider },
  q: { kind: "line", max: SELECTOR_LIMITS.q },
};

const isParameter = (name: string): name is SelectorParameter => Object.hasOwn(SPECS, name);

/** A user-supplied value as a message quotes it: JSON-escaped, and cut at 40 characters. */
function quote(value: string): string {
  const cut = [...value];
  return JSON.stringify(cut.length > 40 ? `${cut.slice(0, 40).join("")}…` : value);
}

const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const dedupe = <T>(values: T[]): T[] => [...new Set(values)];

/** The raw values of `name` (several when repeated), or null when one is not text. */
function rawValues(input: URLSearchParams | Readonly<Record<string, unknown>>, name: string): string[] | null {
  if (input instanceof URLSearchParams) return input.getAll(name);
  const v = input[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.every((x) => typeof x === "string" || typeof x === "number") ? list.map(String) : null;
}

/** Checks a tag, skill, provider or q value; returns what is wrong, or null. */
function textFault(parameter: string, value: string, max: number, re: RegExp, what: string): string | null {
  if (codePoints(value) > max) return `${parameter} ${quote(value)} is longer than ${max} characters`;
  if (!re.test(value)) return `${parameter} ${quote(value)} must not contain ${what}`;
  return null;
}

const CONTROLS = "control characters (tab and newline included) or unpaired surrogates";

/** Parses one part; pushes its faults. Returns the part's value, or undefined when absent or at fault. */
function parsePart(name: SelectorParameter, raw: string[], faults: SelectorFault[]): unknown {
  const spec = SPECS[name];
  // Past the cap the answer is a failure already; a query of thousands of bad items builds no more.
  const fault = (message: string) => faults.length < MAX_FAULTS && faults.push({ parameter: name, message });
  switch (spec.kind) {
    case "choice": {
      const items = dedupe(raw.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== ""));
      const known = Object.keys(spec.ranks);
      const bad = items.filter((v) => !Object.hasOwn(spec.ranks, v));
      for (const v of bad) fault(`${name} ${quote(v)} is not a ${spec.noun}; use one or more of ${known.join(", ")}`);
      return bad.length || items.length === 0 ? undefined : items;
    }
    case "terms": {
      const items = dedupe(raw.filter((v) => v !== ""));
      const tooMany = items.length > SELECTOR_LIMITS.values;
      if (tooMany) fault(`${name} is given ${items.length} different values; at most ${SELECTOR_LIMITS.values}`);
      const whys = items.map((v) => textFault(name, v, spec.max, TERM_RE, `| or ${CONTROLS}`)).filter((why) => why !== null);
      for (const why of whys) fault(why);
      return tooMany || whys.length || items.length === 0 ? undefined : items;
    }
    case "line": {
      const items = dedupe(raw.filter((v) => v !== ""));
      if (items.length > 1) return void fault(`${name} is given ${items.length} different values; give it once`);
      if (items.length === 0) return undefined;
      const why = textFault(name, items[0], spec.max, LINE_RE, CONTROLS);
      return why ? void fault(why) : items[0];
    }
    case "score": {
      const items = dedupe(raw.map((v) => v.trim()).filter((v) => v !== ""));
      if (items.length > 1) return void fault(`${name} is given ${items.length} different values; give it once`);
      if (items.length === 0) return undefined;
      const text = items[0];
      const n = text.length <= 40 && NUMBER_RE.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(n)) return void fault(`${name} must be a number from 0 to 1, like 0.8; got ${quote(text)}`);
      if (n < 0 || n > 1) return void fault(`${name} must be from 0 to 1; got ${quote(text)}`);
      return n;
    }
  }
}

/**
 * Reads a selector from query parameters. Every fault is reported (up to 10),
 * each naming its parameter and the bad value, so a client fixes them in one
 * round. Parameters that are not part of a selector are faults too, unless
 * listed in `ignore` (a route's own parameters: `sort`, `limit`, `types`…).
 *
 * @example
 * parseSelector("protocol=a2a&skill=summarize&health=healthy&min_trust=0.8")
 * // → { ok: true, selector: { protocol: ["a2a"], skill: ["summarize"], health: ["healthy"], min_trust: 0.8 } }
 * parseSelector({ health: "sick" })
 * // → { ok: false, faults: [{ parameter: "health", message: 'health "sick" is not a health status; use one or more of unknown, healthy, …' }] }
 */
export function parseSelector(input: SelectorInput, options: { ignore?: readonly string[] } = {}): SelectorParseResult {
  const params = typeof input === "string" ? new URLSearchParams(input) : input;
  const names = params instanceof URLSearchParams ? dedupe([...params.keys()]) : Object.keys(params);
  const faults: SelectorFault[] = [];
  for (const name of names) {
    if (!isParameter(name) && !options.ignore?.includes(name) && faults.length < MAX_FAULTS) {
      faults.push({ parameter: name.slice(0, 40), message: `${quote(name)} is not a selector parameter; a selector takes ${SELECTOR_PARAMETERS.join(", ")}` });
    }
  }
  const selector: Record<string, unknown> = {};
  for (const name of SELECTOR_PARAMETERS) {
    const raw = rawValues(params, name);
    if (raw === null) {
      if (faults.length < MAX_FAULTS) faults.push({ parameter: name, message: `${name} must be text` });
      continue;
    }
    const value = parsePart(name, raw, faults);
    if (value !== undefined) selector[name] = value;
  }
  return faults.length ? { ok: false, faults } : { ok: true, selector: selector as Selector };
}

/**
 * The query parameters of a selector, in grammar order: any-of lists
 * comma-joined, all-of lists repeated, empty parts left out.
 * `parseSelector(formatSelector(s))` gives back `s` for every parsed `s`.
 *
 * @example
 * formatSelector({ tag: ["nlp", "prod"], health: ["healthy", "degraded"] }).toString()
 * // → "tag=nlp&tag=prod&health=healthy%2Cdegraded"
 */
export function formatSelector(selector: Selector): URLSearchParams {
  const out = new URLSearchParams();
  for (const name of SELECTOR_PARAMETERS) {
    const value = selector[name];
    if (value === undefined) continue;
    const texts = typeof value === "number" ? [String(value)] : typeof value === "string" ? [value] : SPECS[name].kind === "choice" ? [value.join(",")] : value;
    for (const text of texts) if (text !== "") out.append(name, text);
  }
  return out;
}

const byRank = (ranks: Readonly<Record<string, number>>) => (a: string, b: string) => ranks[a] - ranks[b];
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const lower = (s: string) => s.toLowerCase();

/**
 * The selector as matching and the store read it: any-of lists deduplicated
 * in vocabulary order; tags and skills lower-cased (they match
 * case-insensitively), deduplicated and sorted; `q` lower-cased; empty values
 * and empty lists dropped. Two selectors with the same normal form select the
 * same agents.
 */
export function normalizeSelector(selector: Selector): Selector {
  const out: Selector = {};
  const choice = <T extends string>(list: T[] | undefined, ranks: Readonly<Record<string, number>>) =>
    list?.length ? dedupe(list).sort(byRank(ranks)) : undefined;
  const terms = (list: string[] | undefined) => {
    const kept = dedupe((list ?? []).filter((v) => v !== "").map(lower)).sort(byCodeUnits);
    return kept.length ? kept : undefined;
  };
  const parts: Selector = {
    protocol: choice(selector.protocol, PROTOCOL_RANK),
    tag: terms(selector.tag),
    skill: terms(selector.skill),
    health: choice(selector.health, HEALTH_RANK),
    tier: choice(selector.tier, TIER_RANK),
    min_trust: selector.min_trust,
    provider: selector.provider || undefined,
    q: selector.q ? lower(selector.q) : undefined,
  };
  for (const name of SELECTOR_PARAMETERS) if (parts[name] !== undefined) (out as Record<string, unknown>)[name] = parts[name];
  return out;
}

/**
 * A canonical text for the selector: equal for selectors that differ only in
 * the order of their parts or values, in duplicates, or in the case of tags,
 * skills and `q` (the normal form's query string; "" selects everything).
 * Streams whose filters have equal keys can share frames. Different keys may
 * still select the same agents (`tier=elite` and `min_trust=0.8`); they just
 * do not share.
 *
 * @example
 * selectorKey({ health: ["degraded", "healthy"], tag: ["Prod", "nlp"] }) === selectorKey({ tag: ["nlp", "prod"], health: ["healthy", "degraded"] })
 */
export function selectorKey(selector: Selector): string {
  return formatSelector(normalizeSelector(selector)).toString();
}
