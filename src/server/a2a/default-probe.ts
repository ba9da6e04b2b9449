/**
 * The probe an agent gets when its registration names none: an agent
 * registered by the URL of its A2A card is checked by fetching that card
 * (`a2a`), since a third-party agent registered by URL never heartbeats and
 * probes are then all the registry knows of it. A native registration, or an
 * inline card, has no URL the registry was told to trust: it gets no probe
 * unless it asks for one. An explicit `probe` always wins, and `null` means
 * "no probe", also for a URL registration.
 */
import type { ProbeSpec } from "../../shared/probe.js";

export function defaultProbeFor({ card_url, probe }: { card_url?: string | null; probe?: ProbeSpec | null }): ProbeSpec | null {
  if (probe !== undefined) return probe;
  return card_url ? { kind: "a2a", url: card_url } : null;
}
