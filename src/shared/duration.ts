/**
 * The one way AgentMesh reads a duration, for `agentmesh serve`'s settings and
 * every CLI flag alike: a number and a unit (`500ms`, `30s`, `5m`, `1h`, `2d`),
 * or several from the largest unit down (`1m30s`, `1h15m`, `1d12h`).
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: Unit[] = ["d", "h", "m", "s", "ms"];

// `ms` before `m` and `s` in the alternation, or `500ms` would read as 500 minutes then "s".
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

/** What a bad value is told it should look like. */
export const DURATION_EXAMPLES = "500ms, 30s, 5m, 1h or 1m30s";

/**
 * Milliseconds (rounded), or null when `text` is not a duration. A bare number
 * is refused: `30` could mean seconds or milliseconds. Units must go from the
 * largest down, each at most once, so `30s1m` and `1m1m` are typos, not 90s.
 */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === "") return null;
  let total = 0;
  let last = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return null;
    const rank = ORDER.indexOf(m[2] as Unit);
    if (rank <= last) return null;
    last = rank;
    total += Number(m[1]) * UNIT_MS[m[2] as Unit];
  }
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** The longest delay a Node timer can wait (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `90000` → `1m30s`, `500` → `500ms`, `0` → `0s`: the inverse of parseDuration for whole milliseconds. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = Math.round(ms);
  let out = "";
  for (const unit of ORDER) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}
