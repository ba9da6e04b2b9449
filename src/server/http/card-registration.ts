/**
 * The part of `POST /agents` that registers from an A2A card: turns a
 * `{card_url}` or `{a2a_card}` body into the AgentMesh card to register and
 * the published card to keep (a native body passes through unchanged).
 *
 * A URL is fetched only after the caller may register at all: with
 * `--registration-token`, an anonymous caller cannot make the registry fetch
 * anything. The id then comes from the body or from the card's name, and the
 * route checks the caller against it as for any registration.
 */
import type { AgentCard, CardRefreshState } from "../../shared/agent.js";
import { isCardUrlRegistration, isInlineCardRegistration, type RegistrationBody } from "../../shared/card-registration.js";
import type { ProbeSpec, ResolvedProbe } from "../../shared/probe.js";
import { defaultProbeFor } from "../a2a/default-probe.js";
import { cardFromInline, cardFromUrl, type UsableCard } from "../a2a/registration.js";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import type { GuardedFetcher } from "../fetch/types.js";
import { resolveProbe } from "../probes/resolve.js";
import { refreshDelayMs, type PublishedCardFields } from "../registry/decide-card.js";
import type { Clock } from "../registry/service.js";
import { NO_PUBLISHED_CARD } from "../store/columns.js";
import type { AgentRow } from "../store/store.js";
import { requireRegistrant, type Identity } from "./auth.js";

export interface CardRegistrationDeps {
  fetcher: GuardedFetcher;
  config: Config;
  clock: Clock;
}

export interface ResolvedRegistration {
  card: AgentCard;
  /** The published card to keep; undefined for a native registration. */
  published?: PublishedCardFields;
  /**
   * The registration's probe, resolved (defaultProbeFor: a URL registration's
   * default is an `a2a` probe of its card), or null for none; undefined when a
   * native body leaves it out (a re-registration then keeps the agent's probe).
   */
  probe: ResolvedProbe | null | undefined;
}

function published(usable: UsableCard, now: number, config: Pick<Config, "cardRefreshMs">): PublishedCardFields {
  return {
    ...NO_PUBLISHED_CARD,
    card_url: usable.cardUrl,
    a2a_card: usable.raw,
    card_etag: usable.caching.etag,
    card_last_modified: usable.caching.lastModified,
    // Only a card the registry was told where to find is refreshed.
    card_refresh_at: usable.cardUrl === null ? null : now + refreshDelayMs(usable.caching.maxAgeMs, config),
  };
}

export async function resolveRegistration(body: RegistrationBody, who: Identity, { fetcher, config, clock }: CardRegistrationDeps): Promise<ResolvedRegistration> {
  if (isCardUrlRegistration(body)) {
    // Before any fetch: may this caller register (the id is not known yet when the body names none)?
    requireRegistrant(who, body.id ?? (who.kind === "agent" ? who.agentId : ""), config);
    const usable = await cardFromUrl(fetcher, body.card_url, body.id);
    const spec = defaultProbeFor({ card_url: usable.cardUrl, probe: body.probe });
    const probe = spec ? probeOrFail(spec, config, { endpoint: usable.card.endpoint, cardUrl: usable.cardUrl }) : null;
    return { card: usable.card, published: published(usable, clock.now(), config), probe };
  }
  if (isInlineCardRegistration(body)) {
    const usable = cardFromInline(body.a2a_card, body.id);
    return { card: usable.card, published: published(usable, clock.now(), config), probe: null };
  }
  const { probe: spec, ...card } = body;
  return { card, probe: spec ? probeOrFail(spec, config, { endpoint: card.endpoint, cardUrl: null }) : spec };
}

/** A probe setting resolved with the server's defaults, or the 400 that says which field is wrong. */
export function probeOrFail(spec: ProbeSpec, config: Config, agent: { endpoint: string; cardUrl: string | null }): ResolvedProbe {
  const resolved = resolveProbe(spec, config, agent);
  if (!resolved.ok) throw new AppError("validation_failed", `${resolved.error.field} ${resolved.error.message}`, [resolved.error]);
  return resolved.probe;
}

/** The card refresh part of an agent's health answer: present for an agent registered by card URL. */
export function cardRefreshOf(row: AgentRow): { card_refresh?: CardRefreshState } {
  if (row.card_url === null) return {};
  const iso = (ms: number) => new Date(ms).toISOString();
  const error = row.card_error && { reason: row.card_error.kind, message: row.card_error.message, at: iso(row.card_error.at) };
  return { card_refresh: { card_url: row.card_url, next_refresh_at: row.card_refresh_at === null ? null : iso(row.card_refresh_at), error } };
}
