/**
 * A tiny client for driving the registry from tests and the screenshot
 * script: register, heartbeat, report, patch, deregister, all over plain HTTP.
 */
import type { Agent, AgentCard, AgentPatch, RegisterResponse, ReportedStatus } from "../../../src/shared/agent.js";
import { card as baseCard } from "../../helpers.js";

export interface Registered {
  agent: Agent;
  token: string;
}

export class RegistryClient {
  constructor(readonly baseUrl: string) {}

  async register(card: AgentCard): Promise<Registered> {
    const body = await this.call<RegisterResponse>("POST", "/agents", card);
    if (!body.agent_token) throw new Error(`no agent token for ${card.id}`);
    return { agent: body.agent, token: body.agent_token };
  }

  heartbeat(id: string, token: string, status?: ReportedStatus, message?: string) {
    return this.call("POST", `/agents/${encodeURIComponent(id)}/heartbeat`, { ...(status ? { status } : {}), ...(message ? { message } : {}) }, token);
  }

  report(subject: string, reporterToken: string, outcome: "success" | "failure" | "timeout", latencyMs?: number) {
    return this.call("POST", `/agents/${encodeURIComponent(subject)}/reports`, { outcome, ...(latencyMs !== undefined ? { latency_ms: latencyMs } : {}) }, reporterToken);
  }

  patch(id: string, token: string, patch: AgentPatch) {
    return this.call<Agent>("PATCH", `/agents/${encodeURIComponent(id)}`, patch, token);
  }

  deregister(id: string, token: string) {
    return this.call("DELETE", `/agents/${encodeURIComponent(id)}`, undefined, token);
  }

  get<T>(path: string) {
    return this.call<T>("GET", path);
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
}

/** The tests' card (test/helpers.ts), named by its id so the dashboard shows what a test looks for. */
export function card(id: string, extra: Partial<AgentCard> = {}): AgentCard {
  return baseCard(id, { name: id, ...extra });
}

/** Heartbeats for one agent on a timer (like a real agent), with a status that can change. */
export class Beater {
  private timer: ReturnType<typeof setInterval> | null = null;
  constructor(
    private readonly client: RegistryClient,
    private readonly id: string,
    private readonly token: string,
    private status: ReportedStatus = "healthy",
    private readonly everyMs = 250,
  ) {}

  async start(): Promise<this> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => {}), this.everyMs);
    return this;
  }

  async set(status: ReportedStatus): Promise<void> {
    this.status = status;
    await this.beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private beat() {
    return this.client.heartbeat(this.id, this.token, this.status);
  }
}
