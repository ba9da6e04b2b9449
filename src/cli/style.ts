/**
 * ANSI colours for the terminal: on only when the stream is a TTY, off when
 * NO_COLOR is set or `--no-color` is given; FORCE_COLOR forces them on.
 */
import type { HealthStatus, TrustTier } from "../shared/agent.js";

export interface Style {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
}

const code = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string) => s;

export function createStyle(enabled: boolean): Style {
  if (!enabled) return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, blue: plain, magenta: plain, cyan: plain };
  return {
    enabled,
    bold: code(1, 22),
    dim: code(2, 22),
    red: code(31, 39),
    green: code(32, 39),
    yellow: code(33, 39),
    blue: code(34, 39),
    magenta: code(35, 39),
    cyan: code(36, 39),
  };
}

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag = false): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

/** Removes ANSI sequences (for measuring and for tests). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

export function paintHealth(style: Style, status: HealthStatus | string): string {
  switch (status) {
    case "healthy":
      return style.green(status);
    case "degraded":
      return style.yellow(status);
    case "unhealthy":
      return style.red(status);
    case "offline":
      return style.magenta(status);
    default:
      return style.dim(status);
  }
}

export function paintTier(style: Style, tier: TrustTier | string): string {
  return tier === "elite" ? style.green(tier) : tier === "reliable" ? style.cyan(tier) : style.yellow(tier);
}
