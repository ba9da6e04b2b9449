/** One agent's own reads, used by the detail page. */
import type { Agent, HealthReport, TrustReport } from "@agentmesh/client";
import { api } from "./http";

export const agentKey = (id: string) => ["agent", id] as const;
export const trustKey = (id: string) => ["agent", id, "trust"] as const;
export const healthKey = (id: string) => ["agent", id, "health"] as const;

const path = (id: string) => `/agents/${encodeURIComponent(id)}`;

export const fetchAgent = (id: string, signal?: AbortSignal) => api<Agent>(path(id), { signal });
export const fetchTrust = (id: string, signal?: AbortSignal) => api<TrustReport>(`${path(id)}/trust`, { signal });
export const fetchHealth = (id: string, signal?: AbortSignal) => api<HealthReport>(`${path(id)}/health`, { signal });
