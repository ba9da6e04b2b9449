/**
 * Shared frame of the selector tests: a server on SQLite or on a fresh
 * PostgreSQL schema, restartable on the same data, and the oracle that says
 * which events a selector stream must carry with which `match`.
 */
import { rmSync } from "node:fs";
import type { Agent } from "../../src/shared/agent.js";
import { classify, parseSelector, type Selector } from "../../src/shared/selector.js";
import { api, openStream, startTestServer, tempDir, waitFor, type RawStream, type TestServer } from "../helpers.js";
import { createSchema, type TestSchema } from "../scale/pg.js";

export type Kind = "sqlite" | "postgres";

/** A database that outlives the servers started on it. */
export class Deployment {
  readonly servers: TestServer[] = [];
  private readonly streams: RawStream[] = [];
  private constructor(
    readonly kind: Kind,
    readonly dir: string,
    readonly schema: TestSchema | undefined,
  ) {}

  static async create(kind: Kind): Promise<Deployment> {
    return new Deployment(kind, tempDir(), kind === "postgres" ? await createSchema() : undefined);
  }

  /** A server (another instance on PostgreSQL; on SQLite, call after stopping the previous one). */
  async start(overrides: Record<string, unknown> = {}): Promise<TestServer> {
    const server = await startTestServer({ ...(this.schema ? { database: this.schema.url } : {}), ...overrides }, this.dir);
    this.servers.push(server);
    return server;
  }

  async stop(server: TestServer): Promise<void> {
    this.servers.splice(this.servers.indexOf(server), 1);
    await server.close(10);
  }

  async stream(server: TestServer, query: string): Promise<RawStream> {
    const s = await openStream(server.url, query);
    this.streams.push(s);
    return s;
  }

  async destroy(): Promise<void> {
    for (const s of this.streams) s.close();
    for (const server of this.servers.splice(0)) await server.close(10);
    rmSync(this.dir, { recursive: true, force: true });
    await this.schema?.drop();
  }
}

export interface Matched {
  id: number;
  agent_id: string;
  type: string;
  match: string;
}

/** The whole log after `after`, from /events/history, as one list. */
export async function history(url: string, after: number, query = ""): Promise<any[]> {
  const out: any[] = [];
  for (let cursor = after; ; ) {
    const page = await api(url, "GET", `/api/v1/events/history?after=${cursor}&limit=1000${query ? `&${query}` : ""}`);
    if (page.status !== 200) throw new Error(`history: ${page.status} ${JSON.stringify(page.body)}`);
    if (page.body.reset) throw new Error("history: reset");
    out.push(...page.body.events);
    if (page.body.events.length < 1000) return out;
    cursor = page.body.events[page.body.events.length - 1].id;
  }
}

/**
 * What a stream with `selector` must carry, worked out from the whole log
 * without the prior records: each agent's state before an event is its
 * snapshot in its previous event (the log from the start holds every change).
 */
export function expectedMatches(log: any[], selector: Selector, known: Map<string, Agent | null> = new Map()): Matched[] {
  const state = new Map(known);
  const out: Matched[] = [];
  for (const e of log) {
    const before = state.get(e.agent_id) ?? null;
    const after: Agent | null = e.type === "agent_deregistered" ? null : e.agent;
    const match = classify(selector, before, after);
    state.set(e.agent_id, after);
    if (match) out.push({ id: e.id, agent_id: e.agent_id, type: e.type, match });
  }
  return out;
}

export const matchedOf = (events: any[]): Matched[] => events.map((e) => ({ id: e.id, agent_id: e.agent_id, type: e.type, match: e.match }));

export function selectorOf(query: string): Selector {
  const parsed = parseSelector(query);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
  return parsed.selector;
}

/** Waits until `stream` has received event `id` (or an event past it). */
export async function receivedUpTo(stream: RawStream, id: number, what: string): Promise<void> {
  await waitFor(() => stream.frames.some((f) => Number(f.id) >= id), what);
}

/** The head of the log. */
export async function head(server: TestServer): Promise<number> {
  return (await server.store.eventBounds()).last;
}
