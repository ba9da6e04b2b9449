/**
 * The selector's query parameters for a route: their schema (documentation in
 * the OpenAPI document, and the shape the edge lets through) and the step
 * that turns them into a `Selector` or a 400 naming each bad part. The
 * grammar itself, and every message, is shared/selector.ts's; the schema only
 * says "text, possibly repeated", so a bad value gets the selector's own
 * message rather than a pattern dump.
 *
 * To wire a route: spread `SELECTOR_QUERY` into its querystring schema (in
 * place of `GET /agents`' `health`, `tag`, `skill` and `q`), then call
 * `selectorFromQuery(request.query, [its own parameters])`.
 */
import { Type } from "typebox";
import { parseSelector, SELECTOR_LIMITS, type Selector, type SelectorParameter } from "../../shared/selector.js";
import { AppError } from "../errors.js";

/** Repeated values a parameter may carry on the wire; more is refused before parsing (URL length bounds it anyway). */
const MAX_REPEATS = 50;

const textList = (description: string) => Type.Optional(Type.Array(Type.String(), { maxItems: MAX_REPEATS, description }));

/**
 * The selector's parameters as querystring properties. Arrays of text: the
 * validator turns a single value into a one-element array, so one shape
 * covers `tag=a` and `tag=a&tag=b`.
 */
export const SELECTOR_QUERY = {
  protocol: textList("Any of these protocols: comma-separated or repeated (`a2a`, `mcp`, `http`, `grpc`, `websocket`, `custom`)"),
  tag: textList(`All of these tags, case-insensitive, whole tags; repeat for several (at most ${SELECTOR_LIMITS.values})`),
  skill: textList(`All of these skill names, case-insensitive, whole names; repeat for several (at most ${SELECTOR_LIMITS.values})`),
  health: textList("Any of these health statuses: comma-separated or repeated (`unknown`, `healthy`, `degraded`, `unhealthy`, `offline`)"),
  tier: textList("Any of these trust tiers: comma-separated or repeated (`elite` ≥ 0.8, `reliable` ≥ 0.5, `experimental` < 0.5)"),
  min_trust: textList("Trust score at least this, 0–1"),
  provider: textList("Exactly this provider (case-sensitive)"),
  q: textList("Text search: a case-insensitive substring of id, name, description, provider, tags, skill names or skill tags"),
} satisfies Record<SelectorParameter, unknown>;

/**
 * The selector in `query`, or a 400 `validation_failed` whose `errors` name
 * each bad part as `query.<parameter>`. `own` lists the route's other
 * parameters (`sort`, `limit`, `types`…), which are not selector faults.
 */
export function selectorFromQuery(query: Readonly<Record<string, unknown>>, own: readonly string[] = []): Selector {
  const parsed = parseSelector(query, { ignore: own });
  if (parsed.ok) return parsed.selector;
  const errors = parsed.faults.map((f) => ({ field: `query.${f.parameter}`, message: f.message }));
  throw new AppError("validation_failed", parsed.faults.map((f) => f.message).join("; "), errors);
}
