/**
 * Readable log lines for a person at a terminal, from pino's JSON lines:
 * `12:03:04.123 INFO  AgentMesh listening on http://127.0.0.1:8000  database=sqlite:./data/agentmesh.db`.
 * Machines get the JSON lines (`--log-format json`, or stdout not a terminal).
 * Log fields can hold what clients sent (ids, URLs, messages), so every value
 * is shown with its control characters escaped.
 */
import type { DestinationStream } from "pino";
import { clean } from "../shared/terminal.js";

const LEVELS: Record<number, { name: string; colour: number }> = {
  10: { name: "TRACE", colour: 90 },
  20: { name: "DEBUG", colour: 36 },
  30: { name: "INFO", colour: 32 },
  40: { name: "WARN", colour: 33 },
  50: { name: "ERROR", colour: 31 },
  60: { name: "FATAL", colour: 35 },
};

// Fields every line has (or that the level and time columns already show).
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "service", "v"]);

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One JSON log line as one readable line (plus an error's stack, indented). */
export function prettyLine(json: string, colour: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json);
  } catch {
    return clean(json.trimEnd());
  }
  const paint = (code: number, s: string) => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const level = LEVELS[rec.level as number] ?? { name: String(rec.level).toUpperCase(), colour: 0 };
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  const fields: string[] = [];
  let stack = "";
  for (const [k, v] of Object.entries(rec)) {
    if (HIDDEN.has(k) || v === undefined) continue;
    // The listening line names its URL in the message already.
    if (typeof v === "string" && v.length > 3 && msg.includes(v)) continue;
    if (k === "err" && v && typeof v === "object") {
      const e = v as { message?: string; stack?: string; type?: string };
      fields.push(`err=${value(e.message ?? e.type ?? "")}`);
      if (e.stack) stack = e.stack.split("\n").slice(1).map((l) => `    ${clean(l.trim())}`).join("\n");
      continue;
    }
    fields.push(`${clean(k)}=${clean(value(v))}`);
  }
  const head = `${paint(90, clock(typeof rec.time === "number" ? rec.time : Date.now()))} ${paint(level.colour, level.name.padEnd(5))} ${clean(msg)}`;
  const line = fields.length ? `${head}  ${paint(90, fields.join(" "))}` : head;
  return stack ? `${line}\n${paint(90, stack)}` : line;
}

/** A pino destination that writes `prettyLine`s to `out`. */
export function prettyDestination(out: NodeJS.WritableStream, colour: boolean): DestinationStream {
  return {
    write(chunk: string) {
      for (const json of chunk.split("\n")) if (json) out.write(`${prettyLine(json, colour)}\n`);
    },
  };
}
