/** One agent's own reads, used by the detail page. */
import type { Agent, TrustReport } from "@agentmesh/client";
import { api } from "./http";
import { registry } from "./registry";

export const agentKey = (id: string) => ["agent", id] as const;
export const trustKey = (id: string) => ["agent", id, "trust"] as const;
export const healthKey = (id: string) => ["agent", id, "health"] as const;
/** Keyed by what the card is made of too, so an update of the agent fetches the card again and nothing else does. */
export const cardKey = (id: string, fingerprint = "") => ["agent", id, "card", fingerprint] as const;

const path = (id: string) => `/agents/${encodeURIComponent(id)}`;

export const fetchAgent = (id: string, signal?: AbortSignal) => api<Agent>(path(id), { signal });
export const fetchTrust = (id: string, signal?: AbortSignal) => api<TrustReport>(`${path(id)}/trust`, { signal });
/** Health, its reason, the probe and its recent results (the client package's typed `health()`). */
export const fetchHealth = (id: string, signal?: AbortSignal) => registry().health(id, { signal });
/** The agent's A2A card (the client package's `card()`). */
export const fetchCard = (id: string, signal?: AbortSignal) => registry().card(id, { signal });
