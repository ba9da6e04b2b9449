/**
 * The dashboard's only way to call the API: same-origin fetch, JSON in and out,
 * problem answers (RFC 9457) turned into `ApiError`. The session cookie rides
 * along by itself; no token is ever put in a URL.
 */
import { AgentMeshError, type Problem } from "@agentmesh/client";

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> | null,
  ) {
    super(problem?.detail ?? problem?.title ?? `the server answered ${status}`);
    this.name = "ApiError";
  }

  get code(): string | undefined {
    return this.problem?.code;
  }
}

/** Called on every 401 so the app can show the sign-in (set once by the app). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/**
 * The page's `fetch` for API calls, its own and the client package's: the
 * session cookie along (same origin), and every 401 reported to the app.
 */
export const sessionFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, { ...init, credentials: "same-origin" });
  if (response.status === 401) onUnauthorized();
  return response;
};

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  if (init.body !== undefined) headers.set("Content-Type", "application/json");
  const response = await sessionFetch(`${API}${path}`, { ...init, headers });
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A 404 from the page's own calls or from the client package's. */
export function isNotFound(error: unknown): boolean {
  return (error instanceof ApiError || error instanceof AgentMeshError) && error.status === 404;
}
