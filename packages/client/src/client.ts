/**
 * `AgentMeshClient`: the registry's REST API, a heartbeat loop and the event
 * subscription, for Node programs. One client speaks for at most one agent (the
 * one it registered, or the `agentId`/`agentToken` it was given) and may also
 * carry a read or admin token for reads and administration.
 */
import type { AgentUpdate, CardUrlRegistration, NativeRegistration } from "./card-registration.js";
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
} from "./agent.js";
import type { EventHistory, EventType } from "./events.js";
import type { A2AAgentCard } from "./a2a-card.js";
import { invalidArgument, isAbortSignal } from "./errors.js";
import { startHeartbeatLoop, type HeartbeatLoop, type HeartbeatOptions } from "./heartbeats.js";
import { normalizeBaseUrl, request, type CallOptions, type FetchFn, type RequestOptions, type Transport } from "./http.js";
import { listPages } from "./pages.js";
import { subscribe, type Subscription, type SubscriptionHandler, type SubscribeOptions } from "./subscribe.js";
import { checkSelector, mergeSelector, type SelectorArg } from "./selector-params.js";
import { startWatch, type WatchOptions, type WatchView } from "./watch.js";

/**
 * What `list()` and `pages()` take: the API's list query, plus a `selector`
 * (docs/selectors.md) and, for `list()`, the `continue` token of the page before.
 */
export type ListOptions = ListQuery & {
  /** A `Selector` or its query string, e.g. `"protocol=a2a&min_trust=0.8"`; its parts may not repeat a field given above. */
  selector?: SelectorArg;
  /** The previous page's `continue` token (keyset paging): the next page of the same query. */
  continue?: string;
};

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

function requireId(id: unknown, what: string): string {
  if (typeof id !== "string" || id === "") throw invalidArgument(`${what} needs an agent id (a non-empty string), got ${id === "" ? '""' : typeof id}`);
  // A URL path resolves these as dot segments: the request would name another resource (trust(".") reads /agents/trust).
  if (id === "." || id === "..") throw invalidArgument(`${what}: ${JSON.stringify(id)} is not an agent id (ids cannot be . or ..)`);
  return id;
}

function isCallOptions(value: unknown): value is CallOptions {
  return typeof value === "object" && value !== null && !isAbortSignal(value);
}

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

  /**
   * @throws AgentMeshError `invalid_argument` for a URL that is not http(s),
   * a `timeoutMs` that is not a positive number, or no `fetch` to use.
   */
  constructor(options: AgentMeshClientOptions) {
    if (typeof options !== "object" || options === null) throw invalidArgument("new AgentMeshClient() needs an options object with a url");
    this.url = normalizeBaseUrl(options.url);
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalidArgument(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
    const fetchFn = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (typeof fetchFn !== "function") throw invalidArgument("no fetch: pass options.fetch on a runtime without a global fetch");
    this.transport = { baseUrl: this.url, fetch: fetchFn, timeoutMs };
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

  /** Programmer error, not an authorization failure: no request could succeed without the agent. */
  private ownAgent(what: string): { id: string; token: string } {
    if (!this._agentId || !this._agentToken) {
      throw invalidArgument(`${what} needs this client's agent: register() first, or pass agentId and agentToken`);
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
   * Registers an agent (its card, and optionally `probe`: how the registry
   * checks it itself) and makes it this client's agent. The first
   * registration answers the secret `agent_token` (kept by the client, see
   * {@link agentToken}); registering the same id again with that token updates
   * the card. Another client's id is refused with `agent_id_taken`.
   */
  async register(card: NativeRegistration, options: CallOptions = {}): Promise<RegisterResponse> {
    if (typeof card !== "object" || card === null) throw invalidArgument("register() needs an agent card object");
    requireId(card.id, "register()");
    const token = card.id === this._agentId && this._agentToken ? this._agentToken : this.registrationToken;
    const res = await this.call<RegisterResponse>("POST", "/agents", { body: card, token, signal: options.signal });
    this._agentId = res.agent.id;
    if (res.agent_token) this._agentToken = res.agent_token;
    return res;
  }

  /**
   * Registers an agent from its A2A Agent Card: the registry fetches the card
   * at `cardUrl` (a bare site: its `/.well-known/agent-card.json`), maps it,
   * keeps it and refreshes it; the agent gets an `a2a` probe of the card unless
   * `probe` says otherwise (null: none). The id is `id`, or one made from the
   * card's name. This client then acts as that agent, as after `register()`
   * (re-registering the same card later updates it). A card that cannot be used
   * rejects with `card_unusable`, whose `problem.reason` says why.
   *
   * @example
   *   const { agent, agent_token } = await client.registerFromCard("https://agent.example/.well-known/agent-card.json");
   */
  async registerFromCard(cardUrl: string, options: CallOptions & Omit<CardUrlRegistration, "card_url"> = {}): Promise<RegisterResponse> {
    if (typeof cardUrl !== "string" || !/^https?:\/\/[^/?#]/i.test(cardUrl)) throw invalidArgument(`registerFromCard() needs an http(s) URL, got ${JSON.stringify(cardUrl)}`);
    if (options.id !== undefined) requireId(options.id, "registerFromCard()");
    const body: CardUrlRegistration = { card_url: cardUrl };
    if (options.id !== undefined) body.id = options.id;
    if (options.probe !== undefined) body.probe = options.probe;
    const token = options.id !== undefined && options.id === this._agentId && this._agentToken ? this._agentToken : (this._agentToken ?? this.registrationToken);
    const res = await this.call<RegisterResponse>("POST", "/agents", { body, token, signal: options.signal });
    this._agentId = res.agent.id;
    if (res.agent_token) this._agentToken = res.agent_token;
    return res;
  }

  /** Changes card fields of agent `id` (this client's agent, or any with the admin token), and its probe (`probe`; null: none). */
  async update(id: string, patch: AgentUpdate, options: CallOptions = {}): Promise<Agent> {
    requireId(id, "update()");
    return this.call<Agent>("PATCH", AgentMeshClient.path(id), { body: patch, token: this.writeToken(id), signal: options.signal });
  }

  /**
   * Removes agent `id` (default: this client's agent; others need the admin
   * token). `deregister({ signal })` removes this client's agent.
   */
  async deregister(id?: string | CallOptions, options: CallOptions = {}): Promise<void> {
    if (isCallOptions(id)) [id, options] = [undefined, id];
    if (id === undefined && !this._agentId) throw invalidArgument("deregister() needs an agent id: register() first or pass one");
    const target = requireId(id ?? this._agentId, "deregister()");
    await this.call<void>("DELETE", AgentMeshClient.path(target), { token: this.writeToken(target), signal: options.signal });
  }

  /** One agent; `agent_not_found` when there is none. */
  async get(id: string, options: CallOptions = {}): Promise<Agent> {
    requireId(id, "get()");
    return this.call<Agent>("GET", AgentMeshClient.path(id), { token: this.token, signal: options.signal });
  }

  /**
   * One page of agents, filtered and sorted as asked (defaults: sort by name,
   * 100 per page), with the event `cursor` the page is consistent with.
   */
  list(query: ListOptions = {}, options: CallOptions = {}): Promise<AgentList> {
    const { selector, ...rest } = query;
    const parsed = selector === undefined ? undefined : checkSelector(selector, "list()");
    return this.call<AgentList>("GET", "/agents", { query: mergeSelector(rest, parsed, "list()"), token: this.token, signal: options.signal });
  }

  /**
   * Every page of `query`, one request per page, as the consumer asks for
   * them (`limit` is the page size, default 100; `offset` where to start).
   * When the registry answers a `continue` token the next page is asked for by
   * it (keyset paging: each agent that existed throughout, exactly once);
   * otherwise by offset. Stops after the last page; breaking out of the loop
   * sends nothing more.
   *
   * @example
   * ```ts
   * for await (const page of client.pages({ health: "healthy", limit: 200 })) {
   *   for (const agent of page.agents) console.log(agent.id);
   * }
   * ```
   */
  pages(query: Omit<ListOptions, "continue"> = {}, options: CallOptions = {}): AsyncGenerator<AgentList, void, undefined> {
    const { selector, ...rest } = query;
    const parsed = selector === undefined ? undefined : checkSelector(selector, "pages()");
    return listPages((q, o) => this.list({ ...q, selector: parsed }, o), rest, options);
  }

  /**
   * Every agent matching `query` (paged through, oldest first unless `sort`
   * says otherwise), with the cursor of the first page: events after it may
   * repeat changes later pages already show, so apply events by `revision`.
   */
  async listAll(query: Omit<ListOptions, "limit" | "offset" | "continue"> = {}, options: CallOptions = {}): Promise<{ agents: Agent[]; cursor: number }> {
    const agents: Agent[] = [];
    let cursor: number | undefined;
    for await (const page of this.pages({ sort: "created_at", order: "asc", ...query, limit: PAGE, offset: 0 }, options)) {
      cursor ??= page.cursor;
      agents.push(...page.agents);
    }
    // Offset paging repeats an agent when an earlier one is removed between pages (keyset paging never does).
    const seen = new Set<string>();
    return { agents: agents.filter((a) => !seen.has(a.id) && seen.add(a.id)), cursor: cursor ?? 0 };
  }

  /** Score, tier and recent trust history of agent `id`. */
  async trust(id: string, options: CallOptions = {}): Promise<TrustReport> {
    requireId(id, "trust()");
    return this.call<TrustReport>("GET", AgentMeshClient.path(id, "/trust"), { token: this.token, signal: options.signal });
  }

  /**
   * Health status and recent transitions of agent `id`, each with its cause;
   * from a registry that probes, also why (`health_reason`) and the probe with
   * its recent results.
   */
  async health(id: string, options: CallOptions = {}): Promise<HealthReport> {
    requireId(id, "health()");
    return this.call<HealthReport>("GET", AgentMeshClient.path(id, "/health"), { token: this.token, signal: options.signal });
  }

  /**
   * The A2A card of agent `id`: as the agent published it when it was
   * registered from a card URL, else its fields mapped to an A2A 1.0 card.
   */
  async card(id: string, options: CallOptions = {}): Promise<A2AAgentCard> {
    requireId(id, "card()");
    return this.call<A2AAgentCard>("GET", AgentMeshClient.path(id, "/card"), { token: this.token, signal: options.signal });
  }

  /** Counts by health and tier, subscribers, events, and the server's timings. */
  stats(options: CallOptions = {}): Promise<Stats> {
    return this.call<Stats>("GET", "/stats", { token: this.token, signal: options.signal });
  }

  /** Logged events as JSON (for catch-up and tools); `reset` is true when events after `after` were pruned. */
  history(query: HistoryQuery = {}, options: CallOptions = {}): Promise<EventHistory> {
    const agentIds = query.agentId === undefined ? undefined : ([] as string[]).concat(query.agentId);
    return this.call<EventHistory>("GET", "/events/history", {
      query: { after: query.after, limit: query.limit, types: query.types?.join(","), agent_id: agentIds },
      token: this.token,
      signal: options.signal,
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
  async report(
    targetId: string,
    report: InvocationReport,
    options: CallOptions = {},
  ): Promise<{ agent_id: string; reporter_id: string; weight: number; trust_score: number }> {
    const me = this.ownAgent("report()");
    requireId(targetId, "report()");
    return this.call("POST", AgentMeshClient.path(targetId, "/reports"), { body: report, token: me.token, signal: options.signal });
  }

  /**
   * One heartbeat for this client's agent (a bare one means `healthy`). Prefer
   * {@link startHeartbeats}. The second argument may also be a bare `AbortSignal`.
   */
  async heartbeat(body: Heartbeat = {}, options: CallOptions | AbortSignal = {}): Promise<HeartbeatResponse> {
    const me = this.ownAgent("heartbeat()");
    const signal = isAbortSignal(options) ? options : options.signal;
    return this.call<HeartbeatResponse>("POST", AgentMeshClient.path(me.id, "/heartbeat"), { body, token: me.token, signal });
  }

  /**
   * Starts heartbeating for this client's agent: the first beat at once, then
   * at the interval the server asks for. Network errors and server restarts are
   * retried with backoff (never slower than that interval); a bad token or a
   * removed agent ends the loop (`onError` with `fatal: true`, and `done`).
   * `options.signal` stops the loop like `stop()`.
   *
   * @throws AgentMeshError `invalid_argument` when this client has no agent yet.
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
   * Both arguments are optional: without a handler, read it with `for await`.
   *
   * @throws AgentMeshError `invalid_argument` for an option no request could make right.
   *
   * @example
   * ```ts
   * for await (const u of client.subscribe({ signal: AbortSignal.timeout(60_000) })) {
   *   if (u.type !== "snapshot" && u.type !== "reset") console.log(u.id, u.type, u.agent_id);
   * }
   * ```
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
  subscribe(handler?: SubscriptionHandler): Subscription;
  subscribe(options: SubscribeOptions, handler?: SubscriptionHandler): Subscription;
  subscribe(first?: SubscribeOptions | SubscriptionHandler, second?: SubscriptionHandler): Subscription {
    const [options, handler] = typeof first === "function" ? [{}, first] : [first ?? {}, second];
    if (typeof options !== "object" || options === null) throw invalidArgument("subscribe() takes an options object and/or a handler function");
    if (handler !== undefined && typeof handler !== "function") throw invalidArgument("subscribe()'s handler must be a function");
    return subscribe(
      {
        baseUrl: this.url,
        token: this.token,
        fetch: this.transport.fetch,
        snapshot: (signal) => this.listAll(options.selector === undefined ? {} : { selector: options.selector }, { signal }),
        cursor: async (signal) => (await this.list({ limit: 1 }, { signal })).cursor,
        keepaliveMs: async (signal) => (await this.stats({ signal })).stream?.keepalive_ms,
      },
      options,
      handler,
    );
  }

  /**
   * A live view of the agents matching `selector` (a `Selector` or its query
   * string): `agents` is a `Map` that always holds exactly the list the
   * selector answers, kept by the stream's `match` values (entered: added,
   * stayed: updated when newer, left: removed). It resumes across
   * disconnects; when the server cannot resume, it lists the answer again and
   * reports a `reset` change. Changes go to `onChange` and to `for await`.
   *
   * @throws AgentMeshError `invalid_argument` for a bad selector, naming the bad part.
   *
   * @example
   * ```ts
   * const view = client.watch("protocol=a2a&skill=summarize&min_trust=0.8", {
   *   onChange: (c) => c.type !== "reset" && console.log(c.type, c.agent.id),
   * });
   * await view.ready;
   * console.log([...view.agents.keys()]); // the answer now; kept current from here on
   * ```
   */
  watch(selector: SelectorArg, options: WatchOptions = {}): WatchView {
    if (typeof options !== "object" || options === null) throw invalidArgument("watch() takes a selector and an options object");
    if (options.onChange !== undefined && typeof options.onChange !== "function") throw invalidArgument("watch()'s onChange must be a function");
    const parsed = checkSelector(selector, "watch()");
    const { onChange: _onChange, ...subscribeOptions } = options;
    return startWatch(parsed, options, (handler, onBookmark) => this.subscribe({ ...subscribeOptions, selector: parsed, onBookmark }, handler));
  }
}
