/** How times read on the dashboard. */

/**
 * "just now", "12s ago", "4 min ago", "3 h ago", "2 d ago". Everything shown
 * happened already, so a time ahead of `nowMs` (an event newer than the last
 * tick of the page's clock, or a server clock ahead of the browser's) reads
 * "just now", never "in 3s".
 */
export function relativeTime(thenMs: number, nowMs: number): string {
  const seconds = Math.round((nowMs - thenMs) / 1000);
  if (seconds < 2) return "just now";
  return `${unit(seconds)} ago`;
}

function unit(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/**
 * One formatter for every clock time on the page, made on first use:
 * `toLocaleTimeString` with options builds a new one per call (about 0.5 ms in
 * Chromium, 2 ms in Node), and the live feed formats two times for each of its
 * 200 lines whenever it renders.
 */
let clock: Intl.DateTimeFormat | null = null;

/** Local wall-clock time, "14:03:22". */
export function clockTime(at: string | number): string {
  clock ??= new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  return clock.format(new Date(at));
}

/** Local date and time, "2026-11-25 14:03:22". */
export function dateTime(at: string | number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(d.getTime())}`;
}
