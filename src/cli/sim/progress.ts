/**
 * The simulation's progress line and final summary, as text.
 */
import { clean, displayWidth, fitWidth } from "../../shared/terminal.js";
import type { Style } from "../style.js";
import type { SimulationSummary } from "./simulation.js";

function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** `1234567` → `1.2M`, `123000` → `123k`: for the narrow wordings. */
function short(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/**
 * One line of counters, at most `width` columns (a terminal's width; the line is
 * rewritten in place, and a line that wraps leaves a copy behind at each
 * rewrite). The full wording when it fits, else shorter words, else fewer
 * counters, else cut with an ellipsis.
 */
export function progressLine(s: SimulationSummary, style: Style, width = Infinity): string {
  const st = s.states;
  const errors = sum(s.errors);
  const err = (text: string) => (errors ? style.red(text) : text);
  const variants: string[][] = [
    [
      elapsed(s.elapsed_ms),
      `${s.registered}/${s.agents} agents`,
      `${style.green(`${st.healthy} healthy`)} ${style.yellow(`${st.degraded} degraded`)} ${style.red(`${st.unhealthy} unhealthy`)} ${style.magenta(`${st.silent} silent`)}`,
      ...(s.probes === "on" ? [`${s.unreachable} unreachable`] : []),
      `${s.heartbeats} heartbeats`,
      `${sum(s.reports)} reports`,
      err(`${errors} errors`),
    ],
    [
      elapsed(s.elapsed_ms),
      `${s.registered}/${s.agents} agents`,
      `${style.green(`${st.healthy} ok`)} ${style.yellow(`${st.degraded} deg`)} ${style.red(`${st.unhealthy} unh`)} ${style.magenta(`${st.silent} off`)}`,
      `${short(s.heartbeats)} hb`,
      `${short(sum(s.reports))} rep`,
      err(`${errors} err`),
    ],
    [
      elapsed(s.elapsed_ms),
      `${s.registered}/${s.agents} agents`,
      `${style.green(`${st.healthy} ok`)} ${style.yellow(`${st.degraded} deg`)} ${style.red(`${st.unhealthy} unh`)} ${style.magenta(`${st.silent} off`)}`,
      err(`${errors} err`),
    ],
    [elapsed(s.elapsed_ms), `${s.registered}/${s.agents}`, `${style.green(String(st.healthy))}/${style.yellow(String(st.degraded))}/${style.red(String(st.unhealthy))}/${style.magenta(String(st.silent))}`, err(`${errors} err`)],
  ];
  for (const parts of variants) {
    const line = parts.join(" · ");
    if (displayWidth(line) <= width) return line;
  }
  // Narrower than any wording: plain and cut (colour sequences cannot be cut safely).
  const plain = variants[variants.length - 1].join(" · ").replace(/\x1b\[[0-9;]*m/g, "");
  return fitWidth(plain, width);
}

function probeLine(s: SimulationSummary): string {
  if (s.probes === "off") return "off (--no-probes)";
  if (s.probes === "refused") return "refused by the registry (400 naming probe): registered without";
  return `cards and health endpoints at ${clean(s.card_server ?? "")}; ${s.cuts} cut-offs (agents that stopped answering probes)`;
}

export function summaryLines(s: SimulationSummary, style: Style): string[] {
  const lines = [
    style.bold(`simulation finished after ${elapsed(s.elapsed_ms)} (seed ${clean(s.seed)}; run again with --seed ${clean(s.seed)})`),
    `  agents        ${s.registered} registered of ${s.agents}, ${s.deregistered} deregistered`,
    `  heartbeats    ${s.heartbeats}`,
    `  reports       ${sum(s.reports)} (${s.reports.success} success, ${s.reports.failure} failure, ${s.reports.timeout} timeout)${s.skipped_reports ? `, ${s.skipped_reports} skipped (too many in flight)` : ""}`,
    `  transitions   ${s.transitions.degraded} degraded, ${s.transitions.unhealthy} unhealthy, ${s.transitions.silent} went silent, ${s.transitions.healthy} recovered`,
  ];
  lines.push(`  probes        ${probeLine(s)}`);
  if (s.rate_limited) lines.push(`  rate limit    ${s.rate_limited} answers of 429 waited out (not errors)`);
  const errors = Object.entries(s.errors);
  lines.push(`  errors        ${errors.length ? errors.map(([code, n]) => `${n} ${clean(code)}`).join(", ") : "none"}`);
  for (const f of s.failed_registrations.slice(0, 3)) lines.push(style.red(`  could not register ${clean(f.id)}: ${clean(f.detail)} (${clean(f.code)})`));
  if (s.failed_registrations.length > 3) lines.push(style.red(`  … and ${s.failed_registrations.length - 3} more`));
  return lines;
}
