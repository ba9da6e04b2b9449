/**
 * `--selector` for `agentmesh agents` and `agentmesh events`, and the selector
 * of `agentmesh watch`: the query parameters of a selector (docs/selectors.md),
 * e.g. `protocol=a2a&skill=summarize&min_trust=0.8`, checked by the grammar the
 * registry uses, so a bad one is a usage error naming the bad part before
 * anything is sent. A command's own per-field flags (`--health`, `--tag`…)
 * become parts of the same selector.
 */
import { formatSelector, parseSelector, type Selector } from "@agentmesh/client/selector";
import { UsageError } from "./args.js";

/** Parses `raw`; a fault is a UsageError of `command` naming each bad part. */
export function readSelector(raw: string, command: string, what = "--selector"): Selector {
  const parsed = parseSelector(raw.trim().replace(/^\?/, ""));
  if (!parsed.ok) throw new UsageError(`${what}: ${parsed.faults.map((f) => f.message).join("; ")}`, command);
  return parsed.selector;
}

/**
 * The selector of `--selector` with the per-field flags added (each flag named
 * by the selector part it sets). A part given both ways is a usage error; a bad
 * flag value is reported as the flag's.
 */
export function combineSelector(raw: string | undefined, flags: Partial<Record<keyof Selector, { flag: string; values: string[] | undefined }>>, command: string): Selector | undefined {
  const base = raw === undefined ? undefined : readSelector(raw, command);
  const params = base ? formatSelector(base) : new URLSearchParams();
  for (const [part, given] of Object.entries(flags)) {
    if (!given?.values?.length) continue;
    if (params.has(part)) throw new UsageError(`--${given.flag} and --selector both set ${part}; give it once`, command);
    const parsed = parseSelector(given.values.map((v) => `${part}=${encodeURIComponent(v)}`).join("&"));
    if (!parsed.ok) throw new UsageError(`--${given.flag}: ${parsed.faults.map((f) => f.message).join("; ")}`, command);
    for (const v of formatSelector(parsed.selector).getAll(part)) params.append(part, v);
  }
  if (raw === undefined && ![...params.keys()].length) return undefined;
  return readSelector(params.toString(), command);
}

/** A selector as the user would type it again (`everything` for the empty one). */
export function showSelector(selector: Selector): string {
  return decodeURIComponent(formatSelector(selector).toString().replace(/\+/g, " ")) || "everything";
}
