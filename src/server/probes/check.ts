/**
 * One probe, run through the guarded fetcher: the only way the registry
 * reaches a URL or address a registrant named (SSRF rules, size caps and
 * deadlines live there). A probe never throws: every outcome is a result,
 * with an `error` that is safe to show the registrant.
 */
import type { FetchFailure, GuardedFetcher } from "../fetch/types.js";
import type { ProbeResult, ResolvedProbe } from "../../shared/probe.js";
import { parseA2ACard } from "../a2a/parse-card.js";

/** Largest body read for a probe: an A2A card (the card registration keeps at most 64 KiB too). */
export const PROBE_MAX_BYTES = 64 * 1024;

/** Says why a fetched A2A card is unusable, or null when it parses. */
export type CardCheck = (body: Buffer, contentType: string | undefined) => string | null;

/** The registry's own check: the card parses as an A2A Agent Card (either version), as at registration. */
export const a2aCardCheck: CardCheck = (body) => {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return "not JSON: the card is not JSON";
  }
  const parsed = parseA2ACard(json);
  if (parsed.ok) return null;
  const [first, ...rest] = parsed.faults;
  return `invalid card: ${first.path ? `${first.path} ` : ""}${first.message}${rest.length ? ` (and ${rest.length} more)` : ""}`;
};

/** The smallest check (tests of the runner alone): a card is a JSON object with a non-empty `name`. */
export const minimalCardCheck: CardCheck = (body) => {
  let card: unknown;
  try {
    card = JSON.parse(body.toString("utf8"));
  } catch {
    return "the card is not JSON";
  }
  if (typeof card !== "object" || card === null || Array.isArray(card)) return "the card is not a JSON object";
  const name = (card as { name?: unknown }).name;
  return typeof name === "string" && name.trim() !== "" ? null : "the card has no name";
};

const failed = (kind: ResolvedProbe["kind"], f: FetchFailure): ProbeResult => ({
  kind,
  ok: false,
  latency_ms: Math.round(f.latencyMs),
  error: `${f.kind}: ${f.message}`,
});

export async function runProbe(probe: ResolvedProbe, fetcher: GuardedFetcher, checkCard: CardCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const timeoutMs = probe.timeout_ms;
  if (probe.kind === "tcp") {
    const r = await fetcher.connect(probe.host, probe.port, { timeoutMs, signal });
    if (r.ok) return { kind: "tcp", ok: true, latency_ms: Math.round(r.latencyMs) };
    return r.failure ? failed("tcp", r.failure) : { kind: "tcp", ok: false, latency_ms: Math.round(r.latencyMs), error: "connect failed" };
  }
  const accept = probe.kind === "a2a" ? "application/json" : "*/*";
  const r = await fetcher.get(probe.url, { accept, timeoutMs, signal, maxBytes: PROBE_MAX_BYTES });
  if (!r.ok) return failed(probe.kind, r.failure);
  const { status, latencyMs, body, headers } = r.response;
  const base = { kind: probe.kind, latency_ms: Math.round(latencyMs), status_code: status };
  if (status < 200 || status > 299) return { ...base, ok: false, error: `HTTP ${status}` };
  if (probe.kind === "a2a") {
    const why = checkCard(body, headers["content-type"]);
    if (why !== null) return { ...base, ok: false, error: why };
  }
  return { ...base, ok: true };
}
