/**
 * A small real HTTP server that speaks the selector wire contract of issue 15,
 * for the SDK's and the CLI's tests until the registry itself does
 * (branch selwire): `GET /api/v1/agents?<selector>&limit=N` answers
 * `{ agents, total, limit, offset, cursor, continue? }` in keyset pages (by
 * id), each page with the first page's `cursor`, a bad token a 400
 * `invalid_continue`; `GET /api/v1/events?<selector>` streams each agent
 * event that matched before or after it with `match` (entered, stayed, left),
 * a `reset` when the asked-for position was pruned, and bookmarks on demand.
 * Matching is the client package's `classify`, which the registry also uses.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Agent } from "@agentmesh/client";
import { classify, parseSelector, type Selector } from "@agentmesh/client/selector";

interface Logged {
  id: number;
  type: string;
  agent_id: string;
  before: Agent | null;
  after: Agent | null;
  body: Record<string, unknown>;
}

/** A full public agent, as the registry answers one. */
export function contractAgent(id: string, extra: Partial<Agent> = {}): Agent {
  const trust = extra.trust_score ?? 0.9;
  return {
    id,
    name: id,
    version: "1.0.0",
    description: `agent ${id}`,
    endpoint: `http://127.0.0.1:9/${id}`,
    protocol: "a2a",
    capabilities: [],
    skills: [{ name: "summarize", description: "Summarize" }],
    tags: [],
    metadata: {},
    provider: null,
    documentation_url: null,
    health_status: "healthy",
    trust_score: trust,
    trust_tier: trust >= 0.8 ? "elite" : trust >= 0.5 ? "reliable" : "experimental",
    last_heartbeat_at: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    revision: 1,
    ...extra,
  } as unknown as Agent;
}

const problem = (res: ServerResponse, status: number, code: string, detail: string) => {
  res.writeHead(status, { "content-type": "application/problem+json" });
  res.end(JSON.stringify({ type: `https://agentmesh.dev/problems/${code}`, title: code, status, code, detail }));
};

export class ContractServer {
  readonly agents = new Map<string, Agent>();
  readonly log: Logged[] = [];
  /** Events at or below this are pruned. */
  floor = 0;
  /** Every request's path and query, in order. */
  readonly requests: string[] = [];
  /** The Last-Event-ID header of each stream request ("" when none). */
  readonly resumedFrom: string[] = [];
  private readonly streams = new Set<{ res: ServerResponse; selector: Selector; lastId: number }>();
  private server!: Server;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.dropStreams();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get head(): number {
    return this.log.at(-1)?.id ?? this.floor;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  register(agent: Agent): void {
    this.agents.set(agent.id, agent);
    this.append("agent_registered", agent.id, null, agent, { agent });
  }

  update(id: string, patch: Partial<Agent>): void {
    const before = this.agents.get(id)!;
    const after = { ...before, ...patch, revision: before.revision + 1 } as Agent;
    this.agents.set(id, after);
    this.append("agent_updated", id, before, after, { changed: Object.keys(patch), agent: after });
  }

  deregister(id: string): void {
    const before = this.agents.get(id)!;
    this.agents.delete(id);
    this.append("agent_deregistered", id, before, null, { revision: before.revision, reason: "deregistered" });
  }

  /** Forgets every logged event: a stream asking for an older position gets a reset. */
  prune(): void {
    this.floor = this.head;
    this.log.length = 0;
  }

  /** Ends every open stream, as a dropped connection or a restart would. */
  dropStreams(): void {
    for (const s of this.streams) s.res.destroy();
    this.streams.clear();
  }

  /** Sends each open stream that is behind the log's head a bookmark: `id: <head>` and no data. */
  bookmark(): void {
    for (const s of this.streams) {
      if (s.lastId >= this.head) continue;
      s.lastId = this.head;
      s.res.write(`id: ${this.head}\n\n`);
    }
  }

  private append(type: string, agentId: string, before: Agent | null, after: Agent | null, body: Record<string, unknown>): void {
    const e: Logged = { id: this.head + 1, type, agent_id: agentId, before, after, body };
    this.log.push(e);
    for (const s of this.streams) this.send(s, e);
  }

  private send(s: { res: ServerResponse; selector: Selector; lastId: number }, e: Logged): void {
    const match = classify(s.selector, e.before, e.after);
    if (match === null) return;
    s.lastId = e.id;
    const data = { type: e.type, agent_id: e.agent_id, timestamp: "2026-01-01T00:00:00.000Z", ...e.body, match };
    s.res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, "http://x");
    this.requests.push(`${url.pathname}${url.search}`);
    const own = ["limit", "continue", "sort", "order", "offset", "last_event_id", "types", "agent_id"];
    if (url.pathname === "/api/v1/stats") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ stream: { keepalive_ms: 15_000 } }));
      return;
    }
    const parsed = parseSelector(url.searchParams, { ignore: own });
    if (!parsed.ok) return problem(res, 400, "invalid_selector", parsed.faults.map((f) => f.message).join("; "));
    if (url.pathname === "/api/v1/agents") return this.list(url, parsed.selector, res);
    if (url.pathname === "/api/v1/events") return this.stream(req, url, parsed.selector, res);
    problem(res, 404, "not_found", "no such route");
  }

  private list(url: URL, selector: Selector, res: ServerResponse): void {
    const limit = Number(url.searchParams.get("limit") ?? 100);
    let cursor = this.head;
    let after = "";
    const token = url.searchParams.get("continue");
    if (token !== null) {
      try {
        ({ cursor, after } = JSON.parse(Buffer.from(token, "base64url").toString()));
        if (typeof cursor !== "number" || typeof after !== "string") throw new Error("shape");
      } catch {
        return problem(res, 400, "invalid_continue", "the continue token is not one this server issued");
      }
    }
    const matching = [...this.agents.values()].filter((a) => classify(selector, null, a) === "entered").sort((a, b) => (a.id < b.id ? -1 : 1));
    const rest = matching.filter((a) => a.id > after);
    const agents = rest.slice(0, limit);
    const more = rest.length > limit;
    const body = {
      agents,
      total: matching.length,
      limit,
      offset: 0,
      cursor,
      ...(more ? { continue: Buffer.from(JSON.stringify({ cursor, after: agents.at(-1)!.id })).toString("base64url") } : {}),
    };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private stream(req: IncomingMessage, url: URL, selector: Selector, res: ServerResponse): void {
    const header = req.headers["last-event-id"];
    this.resumedFrom.push(typeof header === "string" ? header : "");
    const from = Number(typeof header === "string" && header !== "" ? header : (url.searchParams.get("last_event_id") ?? this.head));
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    res.write("retry: 50\n: connected\n\n");
    const s = { res, selector, lastId: from };
    if (from < this.floor) {
      const reset = { type: "reset", cursor: this.head, reason: "history_pruned", requested: from };
      s.lastId = this.head;
      res.write(`id: ${this.head}\nevent: reset\ndata: ${JSON.stringify(reset)}\n\n`);
    } else {
      for (const e of this.log) if (e.id > from) this.send(s, e);
    }
    this.streams.add(s);
    req.on("close", () => this.streams.delete(s));
  }
}
