/**
 * Fetching an A2A Agent Card through the guarded fetcher, with one exact
 * reason when it cannot be used (for the 422 at registration, the card
 * refresher and `agentmesh probe`), and HTTP caching: the answer's ETag,
 * Last-Modified and Cache-Control max-age, and 304 on a conditional fetch.
 */
import type { FetchFailureKind, GuardedFetcher } from "../fetch/types.js";
import { parseA2ACard } from "./parse-card.js";
import { LEGACY_WELL_KNOWN_CARD_PATH, WELL_KNOWN_CARD_PATH, type A2ACard, type A2ACardVersion, type CardFault } from "./types.js";

/** Largest card the registry reads (and keeps). */
export const MAX_CARD_BYTES = 64 * 1024;

export type CardProblemKind =
  | FetchFailureKind // dns, refused, timeout, denied_address, too_large, too_many_redirects, …
  | "http_status" // answered, but not 200 (or 304 to a conditional fetch)
  | "wrong_content_type" // not application/json (or a +json type)
  | "not_json" // the body does not parse as JSON
  | "invalid_card"; // JSON, but not an A2A card: `faults` names each field

export interface CardProblem {
  kind: CardProblemKind;
  /** One sentence, safe to show the registrant. */
  message: string;
  /** The URL fetched last (after redirects). */
  url: string;
  /** For http_status. */
  status?: number;
  /** For invalid_card. */
  faults?: CardFault[];
}

export interface CardCaching {
  etag: string | null;
  lastModified: string | null;
  /** From Cache-Control: max-age (0 for no-store / no-cache), in milliseconds; null when the answer says nothing. */
  maxAgeMs: number | null;
}

export type FetchCardResult =
  | ({ ok: true; notModified: false; card: A2ACard; version: A2ACardVersion; /** The card exactly as published. */ raw: string; url: string } & CardCaching)
  | ({ ok: true; notModified: true; url: string } & CardCaching)
  | { ok: false; problem: CardProblem };

/** Milliseconds a Cache-Control header lets the card be kept; null when it does not say. */
export function maxAgeOf(cacheControl: string | undefined): number | null {
  if (!cacheControl) return null;
  const directives = cacheControl.toLowerCase().split(",").map((d) => d.trim());
  if (directives.some((d) => d === "no-store" || d === "no-cache")) return 0;
  const maxAge = directives.find((d) => d.startsWith("max-age="));
  const seconds = maxAge ? Number(maxAge.slice(8).replace(/^"|"$/g, "")) : NaN;
  return Number.isInteger(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * GETs the card at `url` (exactly that URL; see `cardUrls` for a base URL).
 * `etag` / `lastModified` from an earlier fetch make it conditional: an
 * unchanged card answers `notModified`.
 *
 * @example
 *   const r = await fetchA2ACard(fetcher, "https://agent.example/.well-known/agent-card.json");
 *   if (!r.ok) reply422(r.problem); else if (!r.notModified) register(fromA2ACard(r.card), r.raw);
 */
export async function fetchA2ACard(fetcher: GuardedFetcher, url: string, cached: { etag?: string | null; lastModified?: string | null } = {}): Promise<FetchCardResult> {
  const result = await fetcher.get(url, {
    accept: "application/json",
    etag: cached.etag ?? undefined,
    lastModified: cached.lastModified ?? undefined,
    maxBytes: MAX_CARD_BYTES,
  });
  if (!result.ok) return { ok: false, problem: { kind: result.failure.kind, message: result.failure.message, url: result.failure.url } };
  const { response } = result;
  const at = response.url;
  const caching: CardCaching = {
    etag: response.headers.etag ?? null,
    lastModified: response.headers["last-modified"] ?? null,
    maxAgeMs: maxAgeOf(response.headers["cache-control"]),
  };
  if (response.status === 304 && (cached.etag || cached.lastModified)) {
    return { ok: true, notModified: true, url: at, ...caching, etag: caching.etag ?? cached.etag ?? null, lastModified: caching.lastModified ?? cached.lastModified ?? null };
  }
  if (response.status !== 200) return { ok: false, problem: { kind: "http_status", status: response.status, url: at, message: `the card URL answered HTTP ${response.status}, not 200` } };
  const type = (response.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (!JSON_TYPE.test(type)) {
    return { ok: false, problem: { kind: "wrong_content_type", url: at, message: `the card is served as ${type ? JSON.stringify(type) : "no content type"}, not application/json` } };
  }
  const raw = response.body.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, problem: { kind: "not_json", url: at, message: `the card is not valid JSON (${(err as Error).message})` } };
  }
  const parsed = parseA2ACard(json);
  if (!parsed.ok) {
    const fields = parsed.faults.map((f) => `${f.path || "the card"} ${f.message}`).join("; ");
    return { ok: false, problem: { kind: "invalid_card", url: at, faults: parsed.faults, message: `the card does not follow the A2A schema: ${fields}` } };
  }
  return { ok: true, notModified: false, card: parsed.card, version: parsed.version, raw, url: at, ...caching };
}

/**
 * Where to look for a card given what a user typed: a URL with a path is the
 * card itself; a bare site (no path, or `/`) is looked up at the well-known
 * path, then at the path older agents used.
 */
export function cardUrls(input: string): string[] {
  const url = new URL(input);
  if (url.pathname !== "/" && url.pathname !== "") return [url.href];
  return [WELL_KNOWN_CARD_PATH, LEGACY_WELL_KNOWN_CARD_PATH].map((path) => new URL(path, url).href);
}

/** Fetches the card at the first of `cardUrls(input)` that does not answer 404. */
export async function discoverA2ACard(fetcher: GuardedFetcher, input: string): Promise<FetchCardResult> {
  let urls: string[];
  try {
    urls = cardUrls(input);
  } catch {
    return { ok: false, problem: { kind: "invalid_url", url: input, message: "not a valid absolute URL" } };
  }
  let result: FetchCardResult = { ok: false, problem: { kind: "invalid_url", url: input, message: "no URL to fetch" } };
  for (const url of urls) {
    result = await fetchA2ACard(fetcher, url);
    if (result.ok || result.problem.kind !== "http_status" || result.problem.status !== 404) return result;
  }
  return result;
}
