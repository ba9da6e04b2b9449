/**
 * A selector as the SDK's calls take it (a `Selector` object or its query
 * string, e.g. `"protocol=a2a&skill=summarize&min_trust=0.8"`), checked and
 * turned into the query parameters the server reads: exactly those of
 * `formatSelector`. A bad selector is a programmer error, thrown before
 * anything is sent, naming every bad part as the server's 400 would.
 */
import { invalidArgument } from "./errors.js";
import type { QueryValue } from "./http.js";
import { formatSelector, parseSelector, SELECTOR_PARAMETERS, type Selector } from "./selector-grammar.js";

export type SelectorArg = Selector | string;

/** The checked selector, or throws `invalid_argument` naming each bad part. */
export function checkSelector(input: SelectorArg, what: string): Selector {
  if (typeof input !== "string" && (typeof input !== "object" || input === null || Array.isArray(input))) {
    throw invalidArgument(`${what}: a selector is a Selector object or a query string like "protocol=a2a&min_trust=0.8"`);
  }
  // An object is read back through its query string, so both forms meet the same checks.
  const parsed = parseSelector(typeof input === "string" ? input : formatSelector(input as Selector));
  if (!parsed.ok) throw invalidArgument(`${what}: invalid selector: ${parsed.faults.map((f) => f.message).join("; ")}`);
  return parsed.selector;
}

/** The selector's query parameters as a request's query record (repeated parts as arrays). */
export function selectorQuery(selector: Selector | undefined): Record<string, QueryValue> {
  if (!selector) return {};
  const params = formatSelector(selector);
  const query: Record<string, QueryValue> = {};
  for (const name of SELECTOR_PARAMETERS) {
    const values = params.getAll(name);
    if (values.length) query[name] = values.length === 1 ? values[0] : values;
  }
  return query;
}

/** Throws when a query names a selector part both as its own field and in `selector`. */
export function mergeSelector(query: Record<string, unknown>, selector: Selector | undefined, what: string): Record<string, QueryValue> {
  const extra = selectorQuery(selector);
  const twice = Object.keys(extra).find((k) => query[k] !== undefined);
  if (twice) throw invalidArgument(`${what}: ${twice} is given both as a field and in the selector; give it once`);
  return { ...(query as Record<string, QueryValue>), ...extra };
}
