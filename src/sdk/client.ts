/**
 * `AgentMeshClient`: the registry's REST API, a heartbeat loop and the event
 * subscription, for Node programs. One client speaks for at most one agent (the
 * one it registered, or the `agentId`/`agentToken` it was given) and may also
 * carry a read or admin token for reads and administration.
 */
import type {
  Agent,
  AgentCard,
  AgentList,
  AgentPatch,
  HealthReport,
  Heartbeat,
  HeartbeatResponse,
  InvocationReport,
  ListQuery,
  RegisterResponse,
  Stats,
  TrustReport,
} from "../shared/agent.js";
import type { EventHistory, EventType } from "../shared/events.js";
import { AgentMeshError } from "./errors.js";
import { startHeartbeatLoop, type HeartbeatLoop, type HeartbeatOptions } from "./heartbeats.js";
import { normalizeBaseUrl, request, type FetchFn, type RequestOptions, type Transport } from "./http.js";
import { subscribe, type Subscription, type SubscriptionHandler, type SubscribeOptions } from "./subscribe.js";

export interface AgentMeshClientOptions {
  /** Base URL of the registry, e.g. `http://127.0.0.1:8000` (a trailing `/api/v1` is accepted). */
  url: string;
  /**
   * Read or admin token. Sent on reads and the event stream (needed when the
   * server requires a read token), and on `update`/`deregister` of agents other
   * than this client's own (needs the admin token). Default: none.
   */
  token?: string;
  /** Sent on a new registration when the server requires a registration token. Default: none. */
  registrationToken?: string;
  /** The agent this client speaks for, when it was registered earlier. Set by `register()`. */
  agentId?: string;
  /** That agent's secret token (from its first registration). Set by `register()`. */
  agentToken?: string;
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** A `fetch` implementation (default: the global one). */
  fetch?: FetchFn;
}

/** Filters of {@link AgentMeshClient.history}. */
export interface HistoryQuery {
  /** Events with an id greater than this (default 0). */
  after?: number;
  /** At most this many (1–1000, default 100). */
  limit?: number;
  types?: EventType[];
  agentId?: string | string[];
}

const PAGE = 1000;

/**
 * A client of one AgentMesh registry.
 *
 * @example
 * ```ts
 * import { AgentMeshClient } from "agentmesh";
 *
 * const client = new AgentMeshClient({ url: "http://127.0.0.1:8000" });
 * await client.register({
 *   id: "summarizer-1",
 *   name: "Summarizer",
 *   version: "1.0.0",
 *   description: "Summarizes long documents",
 *   endpoint: "http://127.0.0.1:7001/a2a",
 *   protocol: "a2a",
 *   skills: [{ name: "summarize", description: "Summarize a document" }],
 *   tags: ["nlp"],
 * });
 * const beats = client.startHeartbeats();
 * // … later, when the model backend is slow:
 * beats.setStatus("degraded", "backend latency above 2s");
 * // … on shutdown:
 * await beats.stop();
 * await client.deregister();
 * ```
 */
export class AgentMeshClient {
  /** The registry's base URL, normalised (no trailing slash, no `/api/v1`). */
  readonly url: string;
  private readonly transport: Transport;
  private readonly token?: string;
  private readonly registrationToken?: string;
  private _agentId?: string;
  private _agentToken?: string;

  constructor(options: AgentMeshClientOptions) {
    this.url = normalizeBaseUrl(options.url);
    this.transport = { baseUrl: this.url, fetch: options.fetch ?? globalThis.fetch.bind(globalThis), timeoutMs: options.timeoutMs ?? 10_000 };
    this.token = options.token;
    this.registrationToken = options.registrationToken;
    this._agentId = options.agentId;
    this._agentToken = options.agentToken;
  }

  /** The id of the agent this client speaks for, if any. */
  get agentId(): string | undefined {
    return this._agentId;
  }

  /** The agent's secret token (keep it: the registry shows it only once). */
  get agentToken(): string | undefined {
    return this._agentToken;
  }

  private call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return request<T>(this.transport, method, path, options);
  }

  private ownAgent(what: string): { id: string; token: string } {
    if (!this._agentId || !this._agentToken) {
      throw new AgentMeshError({ status: 0, code: "unauthorized", detail: `${what} needs this client's agent: register() first, or pass agentId and agentToken` });
    }
    return { id: this._agentId, token: this._agentToken };
  }

  /** The token for changing agent `id`: its own token when it is this client's agent, else the admin token. */
  private writeToken(id: string): string | undefined {
    return id === this._agentId && this._agentToken ? this._agentToken : this.token;
  }

  private static path(id: string, rest = ""): string {
    return `/agents/${encodeURIComponent(id)}${rest}`;
  }

  /**
   * Registers an agent and makes it this client's agent. The first
   * registration answers the secret `agent_token` (kept by the client, see
   * {@link agentToken}); registering the same id again with that token updates
   * the card. Another client's id is refused with `agent_id_taken`.
   */
  async register(card: AgentCard): Promise<RegisterResponse> {
    const token = card.id === this._agentId && this._agentToken ? this._agentToken : this.registrationToken;
    const res = await this.call<RegisterResponse>("POST", "/agents", { body: card, token });
    this._agentId = res.agent.id;
    if (res.agent_token) this._agentToken = res.agent_token;
    return res;
  }

  /** Changes card fields of agent `id` (this client's agent, or any with the admin token). */
  update(id: string, patch: AgentPatch): Promise<Agent> {
    return this.call<Agent>("PATCH", AgentMeshClient.path(id), { body: patch, token: this.writeToken(id) });
  }

  /** Removes agent `id` (default: this client's agent; others need the admin token). */
  async deregister(id: string | undefined = this._agentId): Promise<void> {
    if (!id) throw new AgentMeshError({ status: 0, code: "not_found", detail: "deregister() needs an agent id: register() first or pass one" });
    await this.call<void>("DELETE", AgentMeshClient.path(id), { token: this.writeToken(id) });
  }

  /** One agent; `agent_not_found` when there is none. */
  get(id: string): Promise<Agent> {
    return this.call<Agent>("GET", AgentMeshClient.path(id), { token: this.token });
  }

  /**
   * One page of agents, filtered and sorted as asked (defaults: sort by name,
   * 100 per page), with the event `cursor` the page is consistent with.
   */
  list(query: ListQuery = {}): Promise<AgentList> {
    return this.call<AgentList>("GET", "/agents", { query: { ...query }, token: this.token });
  }

  /**
   * Every agent matching `query` (paged through), with the cursor of the first
   * page: events after it may repeat changes later pages already show, so apply
   * events by `revision`.
   */
  async listAll(query: Omit<ListQuery, "limit" | "offset"> = {}): Promise<{ agents: Agent[]; cursor: number }> {
    const first = await this.list({ sort: "created_at", order: "asc", ...query, limit: PAGE, offset: 0 });
    const agents = [...first.agents];
    while (agents.length < first.total) {
      const page = await this.list({ sort: "created_at", order: "asc", ...query, limit: PAGE, offset: agents.length });
      if (page.agents.length === 0) break;
      agents.push(...page.agents);
    }
    const seen = new Set<string>();
    return { agents: agents.filter((a) => !seen.has(a.id) && seen.add(a.id)), cursor: first.cursor };
  }

  /** Score, tier and recent trust history of agent `id`. */
  trust(id: string): Promise<TrustReport> {
    return this.call<TrustReport>("GET", AgentMeshClient.path(id, "/trust"), { token: this.token });
  }

  /** Health status and recent transitions of agent `id`. */
  health(id: string): Promise<HealthReport> {
    return this.call<HealthReport>("GET", AgentMeshClient.path(id, "/health"), { token: this.token });
  }

  /** Counts by health and tier, subscribers, events. */
  stats(): Promise<Stats> {
    return this.call<Stats>("GET", "/stats", { token: this.token });
  }

  /** Logged events as JSON (for catch-up and tools); `reset` is true when events after `after` were pruned. */
  history(query: HistoryQuery = {}): Promise<EventHistory> {
    const agentIds = query.agentId === undefined ? undefined : ([] as string[]).concat(query.agentId);
    return this.call<EventHistory>("GET", "/events/history", {
      query: { after: query.after, limit: query.limit, types: query.types?.join(","), agent_id: agentIds },
      token: this.token,
    });
  }

  /**
   * Reports the outcome of invoking agent `targetId`, as this client's agent
   * (reports about yourself are refused with `self_report`).
   *
   * @example
   * ```ts
   * await client.report("translator-2", { outcome: "success", latency_ms: 840 });
   * ```
   */
  async report(targetId: string, report: InvocationReport): Promise<{ agent_id: string; reporter_id: string; weight: number; trust_score: number }> {
    const me = this.ownAgent("report()");
    return this.call("POST", AgentMeshClient.path(targetId, "/reports"), { body: report, token: me.token });
  }

  /** One heartbeat for this client's agent (a bare one means `healthy`). Prefer {@link startHeartbeats}. */
  async heartbeat(body: Heartbeat = {}, signal?: AbortSignal): Promise<HeartbeatResponse> {
    const me = this.ownAgent("heartbeat()");
    return this.call<HeartbeatResponse>("POST", AgentMeshClient.path(me.id, "/heartbeat"), { body, token: me.token, signal });
  }

  /**
   * Starts heartbeating for this client's agent: the first beat at once, then
   * at the interval the server asks for. Network errors and server restarts are
   * retried with backoff (never slower than that interval); a bad token or a
   * removed agent ends the loop (`onError` with `fatal: true`, and `done`).
   *
   * @example
   * ```ts
   * const beats = client.startHeartbeats({ onError: (err, { fatal }) => fatal && console.error(err.message) });
   * beats.setStatus("unhealthy", "database unreachable"); // sent at once
   * await beats.stop();
   * ```
   */
  startHeartbeats(options: HeartbeatOptions = {}): HeartbeatLoop {
    this.ownAgent("startHeartbeats()");
    return startHeartbeatLoop((body, signal) => this.heartbeat(body, signal), options);
  }

  /**
   * Follows the registry: hands `handler` a `snapshot` of the agents, then
   * every event after it exactly once and in order, resuming from the last
   * event id after any disconnect or server restart. When the server cannot
   * resume (history pruned, or a new database), the handler gets a `reset`
   * notice followed by a fresh `snapshot`. An async handler is awaited before
   * the next update. Fails (`ready` rejects) when the registry cannot be
   * reached at start or refuses the token; transient errors later are retried.
   *
   * @example
   * ```ts
   * const agents = new Map<string, Agent>();
   * const sub = client.subscribe({ types: ["agent_health_changed"] }, (u) => {
   *   if (u.type === "snapshot") { agents.clear(); for (const a of u.agents) agents.set(a.id, a); }
   *   else if (u.type === "reset") console.warn("missed events; a fresh snapshot follows");
   *   else if (u.type === "agent_deregistered") agents.delete(u.agent_id);
   *   else agents.set(u.agent_id, u.agent); // each event once, in order, after the snapshot it follows
   * });
   * await sub.ready;
   * // …
   * sub.close();
   * ```
   */
  subscribe(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    return subscribe(
      {
        baseUrl: this.url,
        token: this.token,
        fetch: this.transport.fetch,
        snapshot: () => this.listAll(),
        cursor: async () => (await this.list({ limit: 1 })).cursor,
      },
      options,
      handler,
    );
  }
}
