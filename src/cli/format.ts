/**
 * Text the CLI prints: one line per event, relative times, scores and tables.
 * Pure functions of their input (and `now`), unit-tested beside this file.
 */
import type { RegistryEvent, ResetEvent } from "../shared/events.js";
import { clean, cleanDeep, displayWidth, fitWidth, padWidth } from "../shared/terminal.js";
import { paintHealth, paintTier, type Style } from "./style.js";

export const EVENT_LABELS: Record<RegistryEvent["type"], string> = {
  agent_registered: "registered",
  agent_updated: "updated",
  agent_deregistered: "deregistered",
  agent_health_changed: "health",
  trust_score_changed: "trust",
};

export function score(n: number): string {
  return n.toFixed(2);
}

/** `0.52 → 0.61`, with a third decimal when two would hide the move. */
export function scoreMove(from: number, to: number): string {
  const digits = from.toFixed(2) === to.toFixed(2) ? 3 : 2;
  return `${from.toFixed(digits)} → ${to.toFixed(digits)}`;
}

function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "--:--:--";
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A name or message in quotes (already cleaned: JSON.stringify would double its escapes). */
export function quote(s: string): string {
  return `"${s}"`;
}

/** What changed, in words: `healthy → offline`, `trust 0.52 → 0.61 (reliable)`, … */
export function describeChange(event: RegistryEvent, style: Style): string {
  const e = cleanDeep(event);
  switch (e.type) {
    case "agent_registered": {
      const a = e.agent;
      const skills = `${a.skills.length} skill${a.skills.length === 1 ? "" : "s"}`;
      return `${style.bold(quote(a.name))} v${a.version} · ${a.protocol} · ${skills}${a.tags.length ? ` · ${a.tags.join(",")}` : ""}`;
    }
    case "agent_updated":
      return `changed ${e.changed.length ? e.changed.join(", ") : "nothing"} ${style.dim(`(revision ${e.agent.revision})`)}`;
    case "agent_deregistered":
      return style.dim(`removed at revision ${e.revision}${e.reason === "reaped" ? " (reaped: offline for --deregister-after)" : ""}`);
    case "agent_health_changed":
      return `${paintHealth(style, e.previous_status)} → ${paintHealth(style, e.status)}${e.message ? `  ${style.dim(quote(e.message))}` : ""}`;
    case "trust_score_changed": {
      const up = e.score >= e.previous_score;
      const moved = scoreMove(e.previous_score, e.score);
      return `trust ${up ? style.green(moved) : style.red(moved)} (${paintTier(style, e.tier)})${e.reason ? `  ${style.dim(e.reason)}` : ""}`;
    }
  }
}

const LABEL_WIDTH = Math.max(...Object.values(EVENT_LABELS).map((l) => l.length));

function paintLabel(style: Style, e: RegistryEvent): string {
  const label = EVENT_LABELS[e.type].padEnd(LABEL_WIDTH);
  switch (e.type) {
    case "agent_registered":
      return style.green(label);
    case "agent_deregistered":
      return style.red(label);
    case "agent_health_changed":
      return style.yellow(label);
    case "trust_score_changed":
      return style.cyan(label);
    default:
      return style.blue(label);
  }
}

/** On a stream with a selector: what the event did to its answer, as a tail shows it. */
function paintMatch(style: Style, match: RegistryEvent["match"]): string {
  if (match === "entered") return `  ${style.green("[entered]")}`;
  if (match === "left") return `  ${style.red("[left]")}`;
  return match === "stayed" ? `  ${style.dim("[stayed]")}` : "";
}

/**
 * `12:03:04.123  #42  health        billing-7  healthy → degraded  "slow backend"`,
 * with `[entered]`, `[left]` or `[stayed]` after it on a stream with a selector.
 * `agentWidth` pads the agent id so a tail's columns line up.
 */
export function formatEvent(e: RegistryEvent & { id?: number }, style: Style, agentWidth = 0): string {
  const id = e.id === undefined ? "" : `#${e.id}`;
  return `${style.dim(clock(e.timestamp))}  ${style.dim(id.padStart(6))}  ${paintLabel(style, e)}  ${style.bold(padWidth(clean(e.agent_id), agentWidth))}  ${describeChange(e, style)}${paintMatch(style, e.match)}`;
}

/** The stderr notice for a reset: events may have been missed. */
export function describeReset(r: ResetEvent): string {
  const why =
    r.reason === "history_pruned"
      ? `events after #${r.requested} are no longer in the server's history`
      : `event #${r.requested} is unknown to this server (a new or different database?)`;
  return `could not resume: ${clean(why)}; some events may have been missed. Continuing live after #${r.cursor}.`;
}

/** `3s ago`, `5m ago`, `2h ago`, `4d ago`, `never`. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return "never";
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return "?";
  if (ms < 0) return "just now";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** `s` cut to `max` columns with an ellipsis (and its control characters shown escaped). */
export function truncate(s: string, max: number): string {
  return fitWidth(clean(s), max);
}

export interface Column<T> {
  title: string;
  /** Plain text of the cell (control characters are escaped, then it is measured and truncated). */
  text: (row: T) => string;
  /** Optional colouring of the (already padded) cell. */
  paint?: (cell: string, row: T) => string;
  /** Widest the cell may be anywhere (default 60). */
  max?: number;
  /** Narrowest the column may be cut to when fitting a terminal; without it the column is never cut. */
  min?: number;
  /** When even cut columns do not fit, columns with a drop rank are left out, highest rank first. */
  drop?: number;
  align?: "left" | "right";
}

const GAP = 2;

/** Widths for `natural` column widths within `maxWidth`: cut the widest cuttable column a column at a time. */
function shrink(natural: number[], columns: { min?: number }[], maxWidth: number): number[] | null {
  const widths = [...natural];
  let total = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  while (total > maxWidth) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      const min = columns[i].min;
      if (min !== undefined && widths[i] > min && (widest < 0 || widths[i] > widths[widest])) widest = i;
    }
    if (widest < 0) return null;
    widths[widest]--;
    total--;
  }
  return widths;
}

/**
 * A plain-text table: a header, then one line per row; columns sized to their
 * content. With `maxWidth` (a terminal's columns) every line fits it: wide
 * columns are cut (their cells end with `…`), and if that is not enough the
 * columns with a `drop` rank are left out.
 */
export function table<T>(rows: T[], columns: Column<T>[], style: Style, maxWidth?: number): string[] {
  let cols = columns.map((c, index) => ({ ...c, index }));
  const text = rows.map((r) => columns.map((c) => fitWidth(clean(c.text(r)), c.max ?? 60)));
  const naturalOf = (c: (typeof cols)[number]) => Math.max(displayWidth(c.title), ...text.map((row) => displayWidth(row[c.index])));
  let widths = cols.map(naturalOf);
  if (maxWidth !== undefined) {
    for (;;) {
      const fitted = shrink(
        widths,
        cols.map((c) => ({ min: c.min === undefined ? undefined : Math.min(c.min, naturalOf(c)) })),
        maxWidth,
      );
      if (fitted) {
        widths = fitted;
        break;
      }
      const droppable = cols.filter((c) => c.drop !== undefined);
      if (droppable.length === 0) {
        // Nothing left to drop on a very narrow terminal: cut every column to what is left.
        widths = shrink(widths, cols.map(() => ({ min: 1 })), maxWidth) ?? widths;
        break;
      }
      const gone = droppable.reduce((a, b) => (b.drop! > a.drop! ? b : a));
      cols = cols.filter((c) => c !== gone);
      widths = cols.map(naturalOf);
    }
  }
  const cell = (s: string, i: number) => padWidth(fitWidth(s, widths[i]), widths[i], cols[i].align);
  const header = style.bold(cols.map((c, i) => cell(c.title, i)).join(" ".repeat(GAP)).trimEnd());
  const lines = text.map((row, r) =>
    cols
      .map((c, i) => {
        const padded = cell(row[c.index], i);
        return c.paint ? c.paint(padded, rows[r]) : padded;
      })
      .join(" ".repeat(GAP))
      .trimEnd(),
  );
  return [header, ...lines];
}
