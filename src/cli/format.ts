/**
 * Text the CLI prints: one line per event, relative times, scores and tables.
 * Pure functions of their input (and `now`), unit-tested beside this file.
 */
import type { RegistryEvent, ResetEvent } from "../shared/events.js";
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

/** What changed, in words: `healthy → offline`, `trust 0.52 → 0.61 (reliable)`, … */
export function describeChange(e: RegistryEvent, style: Style): string {
  switch (e.type) {
    case "agent_registered": {
      const a = e.agent;
      const skills = `${a.skills.length} skill${a.skills.length === 1 ? "" : "s"}`;
      return `${style.bold(JSON.stringify(a.name))} v${a.version} · ${a.protocol} · ${skills}${a.tags.length ? ` · ${a.tags.join(",")}` : ""}`;
    }
    case "agent_updated":
      return `changed ${e.changed.length ? e.changed.join(", ") : "nothing"} ${style.dim(`(revision ${e.agent.revision})`)}`;
    case "agent_deregistered":
      return style.dim(`removed at revision ${e.revision}`);
    case "agent_health_changed":
      return `${paintHealth(style, e.previous_status)} → ${paintHealth(style, e.status)}${e.message ? `  ${style.dim(JSON.stringify(e.message))}` : ""}`;
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

/**
 * `12:03:04.123  #42  health        billing-7  healthy → degraded  "slow backend"`.
 * `agentWidth` pads the agent id so a tail's columns line up.
 */
export function formatEvent(e: RegistryEvent & { id?: number }, style: Style, agentWidth = 0): string {
  const id = e.id === undefined ? "" : `#${e.id}`;
  return `${style.dim(clock(e.timestamp))}  ${style.dim(id.padStart(6))}  ${paintLabel(style, e)}  ${style.bold(e.agent_id.padEnd(agentWidth))}  ${describeChange(e, style)}`;
}

/** The stderr notice for a reset: events may have been missed. */
export function describeReset(r: ResetEvent): string {
  const why =
    r.reason === "history_pruned"
      ? `events after #${r.requested} are no longer in the server's history`
      : `event #${r.requested} is unknown to this server (a new or different database?)`;
  return `could not resume: ${why}; some events may have been missed. Continuing live after #${r.cursor}.`;
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

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

export interface Column<T> {
  title: string;
  /** Plain text of the cell (measured and truncated). */
  text: (row: T) => string;
  /** Optional colouring of the (already padded) cell. */
  paint?: (cell: string, row: T) => string;
  max?: number;
  align?: "left" | "right";
}

/** A plain-text table: a header, then one line per row; columns sized to their content. */
export function table<T>(rows: T[], columns: Column<T>[], style: Style): string[] {
  const cells = rows.map((r) => columns.map((c) => truncate(c.text(r), c.max ?? 60)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const pad = (s: string, i: number) => (columns[i].align === "right" ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const header = style.bold(columns.map((c, i) => pad(c.title, i)).join("  ").trimEnd());
  const lines = cells.map((row, r) =>
    row
      .map((cell, i) => {
        const padded = pad(cell, i);
        const paint = columns[i].paint;
        return paint ? paint(padded, rows[r]) : padded;
      })
      .join("  ")
      .trimEnd(),
  );
  return [header, ...lines];
}
