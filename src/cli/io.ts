/**
 * Where a command writes and what it reads from its environment, passed in so
 * commands do not reach for globals. `main.ts` builds the real one.
 */
import { colorEnabled, createStyle, type Style } from "./style.js";

export interface Io {
  /** `columns` is the terminal's width when the stream is one. */
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return { out: process.stdout, err: process.stderr, env: process.env };
}

export function styles(io: Io, noColor: boolean): { out: Style; err: Style } {
  return { out: createStyle(colorEnabled(io.out, io.env, noColor)), err: createStyle(colorEnabled(io.err, io.env, noColor)) };
}

/** Resolves on the first SIGINT or SIGTERM (and removes its listeners). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
