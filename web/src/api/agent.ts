/** One agent's own reads, used by the detail page. */
import type { Agent, HealthReport, TrustReport } from "../../../src/shared/agent";
import { api } from "./http";
import type { A2ACardView } from "./probe-view";

export const agentKey = (id: string) => ["agent", id] as const;
export const trustKey = (id: string) => ["agent", id, "trust"] as const;
export const healthKey = (id: string) => ["agent", id, "health"] as const;
/** Keyed by what the card is made of too, so an update of the agent fetches the card again and nothing else does. */
export const cardKey = (id: string, fingerprint = "") => ["agent", id, "card", fingerprint] as const;

const path = (id: string) => `/agents/${encodeURIComponent(id)}`;

export const fetchAgent = (id: string, signal?: AbortSignal) => api<Agent>(path(id), { signal });
export const fetchTrust = (id: string, signal?: AbortSignal) => api<TrustReport>(`${path(id)}/trust`, { signal });
export const fetchHealth = (id: string, signal?: AbortSignal) => api<HealthReport>(`${path(id)}/health`, { signal });
export const fetchCard = (id: string, signal?: AbortSignal) => api<A2ACardView>(`${path(id)}/card`, { signal });
