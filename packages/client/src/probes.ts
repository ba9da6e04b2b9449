/**
 * What the registry says about reaching an agent itself (issue 14): the probe
 * summary on every agent snapshot and the probe part of `health(id)`. Plain
 * types; the registry validates probe settings with the schemas in
 * src/shared/probe.ts.
 */
import type { ProbeResult } from "./events.js";

export type ProbeKind = ProbeResult["kind"];
/** `unknown` until the first run of results decides; `failing` after `failures` in a row; `passing` again after `successes`. */
export type ProbeState = "unknown" | "passing" | "failing";

/** A probe with every setting filled in from the server's defaults: what is stored and shown. */
export type ResolvedProbe = ({ kind: "http"; url: string } | { kind: "a2a"; url: string } | { kind: "tcp"; host: string; port: number }) & {
  interval_ms: number;
  timeout_ms: number;
  failures: number;
  successes: number;
};

/** The probe part of `GET /agents/{id}/health`: the probe as resolved, its damped state and its recent results, newest last. */
export interface ProbeHealth {
  probe: ResolvedProbe;
  state: ProbeState;
  failing_since: string | null;
  last_ok_at: string | null;
  next_due_at: string;
  recent: (ProbeResult & { at: string })[];
}
