/**
 * The simulation's progress line and final summary, as text.
 */
import type { Style } from "../style.js";
import type { SimulationSummary } from "./simulation.js";

function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export function progressLine(s: SimulationSummary, style: Style): string {
  const st = s.states;
  const errors = sum(s.errors);
  return [
    `${elapsed(s.elapsedMs)}`,
    `${s.registered}/${s.agents} agents`,
    `${style.green(`${st.healthy} healthy`)} ${style.yellow(`${st.degraded} degraded`)} ${style.red(`${st.unhealthy} unhealthy`)} ${style.magenta(`${st.silent} silent`)}`,
    `${s.heartbeats} heartbeats`,
    `${sum(s.reports)} reports`,
    errors ? style.red(`${errors} errors`) : "0 errors",
  ].join(" · ");
}

export function summaryLines(s: SimulationSummary, style: Style): string[] {
  const lines = [
    style.bold(`simulation finished after ${elapsed(s.elapsedMs)} (seed ${s.seed}; run again with --seed ${s.seed})`),
    `  agents        ${s.registered} registered of ${s.agents}, ${s.deregistered} deregistered`,
    `  heartbeats    ${s.heartbeats}`,
    `  reports       ${sum(s.reports)} (${s.reports.success} success, ${s.reports.failure} failure, ${s.reports.timeout} timeout)${s.skippedReports ? `, ${s.skippedReports} skipped (too many in flight)` : ""}`,
    `  transitions   ${s.transitions.degraded} degraded, ${s.transitions.unhealthy} unhealthy, ${s.transitions.silent} went silent, ${s.transitions.healthy} recovered`,
  ];
  const errors = Object.entries(s.errors);
  lines.push(`  errors        ${errors.length ? errors.map(([code, n]) => `${n} ${code}`).join(", ") : "none"}`);
  for (const f of s.failedRegistrations.slice(0, 3)) lines.push(style.red(`  could not register ${f.id}: ${f.detail} (${f.code})`));
  if (s.failedRegistrations.length > 3) lines.push(style.red(`  … and ${s.failedRegistrations.length - 3} more`));
  return lines;
}
