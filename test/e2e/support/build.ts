/** Builds web/dist once per process if the sources are newer (shared with `npm start`). */
// @ts-expect-error: a plain .mjs script without types
import { ensureBuilt } from "../../../scripts/ensure-built.mjs";

let done = false;
export function ensureWebBuilt(): void {
  if (done) return;
  (ensureBuilt as () => void)();
  done = true;
}
