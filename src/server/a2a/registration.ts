/**
 * From a registration by A2A card (`{card_url}` or `{a2a_card}`) to what the
 * registry stores: the AgentMesh card mapped from it, and the published card
 * kept beside it. A card that cannot be used becomes one `card_unusable`
 * problem (422) that says exactly why — the fetch's failure, the HTTP status,
 * the content type, or every schema fault as a field error — and nothing is
 * registered.
 */
import { Value } from "typebox/value";
import { AgentCard } from "../../shared/agent.js";
import type { CardProblemReason, FieldError } from "../../shared/problems.js";
import { AppError } from "../errors.js";
import type { GuardedFetcher } from "../fetch/types.js";
import { discoverA2ACard, MAX_CARD_BYTES, type CardCaching, type CardProblem, type CardProblemKind, type FetchCardResult } from "./fetch-card.js";
import { fromA2ACard, suggestAgentId } from "./map-card.js";
import { parseA2ACard } from "./parse-card.js";
import type { A2ACard, CardFault } from "./types.js";

// Every reason the fetcher can give is one the problem catalogue names, and no other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const reasonsMatch: Same<CardProblemKind, CardProblemReason> = true;
void reasonsMatch;

/** A usable card: the AgentMesh card mapped from it and the published card as kept. */
export interface UsableCard {
  card: AgentCard;
  /** The card as published (fetched bytes, or the inline card as JSON). */
  raw: string;
  /** The URL it was fetched from (after discovery and redirects); null for an inline card. */
  cardUrl: string | null;
  caching: CardCaching;
}

const NO_CACHING: CardCaching = { etag: null, lastModified: null, maxAgeMs: null };

/** A JSON Pointer into the card as a field path: `/skills/0/tags` → `.skills[0].tags`. */
function fieldPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join("");
}

const faultErrors = (faults: CardFault[], at: string): FieldError[] => faults.map((f) => ({ field: `${at}${fieldPath(f.path)}`, message: f.message }));

/** The 422 for a card that cannot be used; `at` names the card in field errors (`card` fetched, `body.a2a_card` inline). */
export function cardUnusable(problem: CardProblem, at: string): AppError {
  const where = problem.kind === "invalid_card" || !problem.url ? "" : ` (${problem.url})`;
  return new AppError("card_unusable", `${problem.kind}: ${problem.message}${where}`, problem.faults ? faultErrors(problem.faults, at) : undefined, undefined, problem.kind);
}

/** The mapped card with its id (given, or suggested from the card's name), checked against the AgentMesh schema as a last guard. */
function mapped(a2a: A2ACard, id: string | undefined, at: string): AgentCard {
  const card: AgentCard = { id: id ?? suggestAgentId(a2a), ...fromA2ACard(a2a) };
  if (!Value.Check(AgentCard, card)) {
    const faults = [...Value.Errors(AgentCard, card)].slice(0, 10).map((e) => ({ path: e.instancePath, message: e.message }));
    throw cardUnusable({ kind: "invalid_card", url: "", message: "the card maps to an AgentMesh card that breaks its limits", faults }, `${at}(mapped)`);
  }
  return card;
}

type Fetched = Extract<FetchCardResult, { ok: true; notModified: false }>;

/** A fetched card as registration (and a refresh) uses it. Throws `card_unusable` when its mapping breaks AgentMesh's limits. */
export function usableFetched(result: Fetched, id?: string): UsableCard {
  const { etag, lastModified, maxAgeMs } = result;
  return { card: mapped(result.card, id, "card"), raw: result.raw, cardUrl: result.url, caching: { etag, lastModified, maxAgeMs } };
}

/** Fetches the card at `url` (a bare site: its well-known path) through the guarded fetcher. Throws `card_unusable`. */
export async function cardFromUrl(fetcher: GuardedFetcher, url: string, id?: string): Promise<UsableCard> {
  const result = await discoverA2ACard(fetcher, url);
  if (!result.ok) throw cardUnusable(result.problem, "card");
  if (result.notModified) throw new Error("a first fetch cannot be answered Not Modified");
  return usableFetched(result, id);
}

/** An inline card, checked as a fetched one would be (size, schema). Throws `card_unusable`. */
export function cardFromInline(json: Record<string, unknown>, id?: string): UsableCard {
  const raw = JSON.stringify(json);
  const bytes = Buffer.byteLength(raw);
  if (bytes > MAX_CARD_BYTES) throw cardUnusable({ kind: "too_large", url: "", message: `the card is ${bytes} bytes as JSON; at most ${MAX_CARD_BYTES} are kept` }, "body.a2a_card");
  const parsed = parseA2ACard(json);
  if (!parsed.ok) {
    const fields = parsed.faults.map((f) => `${f.path || "the card"} ${f.message}`).join("; ");
    throw cardUnusable({ kind: "invalid_card", url: "", faults: parsed.faults, message: `the card does not follow the A2A schema: ${fields}` }, "body.a2a_card");
  }
  return { card: mapped(parsed.card, id, "body.a2a_card"), raw, cardUrl: null, caching: NO_CACHING };
}
