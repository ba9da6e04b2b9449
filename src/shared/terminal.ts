/**
 * Text from the registry (agent cards, messages, problem details) on its way to
 * a terminal. Anyone can register a card, so a name holding `ESC[2J`, a CR or a
 * right-to-left override must not repaint or disguise what the reader sees:
 * human output shows such characters escaped (`\x1b`, `\r`, `\u202e`) instead.
 * Also: the width a string takes on screen, for fitting tables and the
 * simulator's progress line to the terminal.
 */

// C0 controls (tab, newline and CR included: one value, one line), DEL, C1
// controls, the bidirectional marks, embeddings, overrides and isolates
// (Trojan Source), and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\0": "\\0", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function escape(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const cp = ch.codePointAt(0)!;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u${cp.toString(16).padStart(4, "0")}`;
}

/** `s` with every control, bidi and line-separator character shown escaped; other text unchanged. */
export function clean(s: string): string {
  return s.replace(UNSAFE, escape);
}

/** A copy of `value` with `clean` applied to every string in it, object keys included. */
export function cleanDeep<T>(value: T): T {
  if (typeof value === "string") return clean(value) as T;
  if (Array.isArray(value)) return value.map(cleanDeep) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [clean(k), cleanDeep(v)])) as T;
  }
  return value;
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** Columns a code point takes: 0 for combining marks and zero-width ones, 2 for wide East Asian and emoji. */
function cellWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0xfeff || (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x20d0 && cp <= 0x20ff)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Columns `s` takes on a terminal, colour sequences not counted. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s.replace(SGR, "")) w += cellWidth(ch.codePointAt(0)!);
  return w;
}

/** `s` cut to at most `max` columns, ending with `…` when cut. Plain text only (no colour sequences). */
export function fitWidth(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  if (max <= 0) return "";
  let out = "";
  let w = 0;
  for (const ch of s) {
    const cw = cellWidth(ch.codePointAt(0)!);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** `s` padded with spaces to `width` columns (on the left for `right`). */
export function padWidth(s: string, width: number, align: "left" | "right" = "left"): string {
  const gap = " ".repeat(Math.max(0, width - displayWidth(s)));
  return align === "right" ? gap + s : s + gap;
}

/** Columns available on `stream` when it is a terminal; undefined when it is not (a pipe or a file: no fitting). */
export function terminalColumns(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  if (stream.isTTY !== true) return undefined;
  return stream.columns && stream.columns > 0 ? stream.columns : 80;
}
