/**
 * A scripted `fetch` for jsdom tests: answers the list and per-agent reads
 * from handlers and records every request, so tests can count list calls.
 */
import { vi } from "vitest";
import type { Agent, AgentList } from "@agentmesh/client";

export type Handler = (url: URL, init?: RequestInit) => unknown | Promise<unknown>;

export function json(body: unknown, status = 200): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" } });
}

export function list(agents: Agent[], cursor: number): AgentList {
  return { agents, total: agents.length, limit: 1000, offset: 0, cursor };
}

export function installFakeApi(routes: Record<string, Handler>) {
  const calls: string[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://dashboard.test");
    calls.push(`${init?.method ?? "GET"} ${url.pathname}`);
    const route = Object.keys(routes).find((r) => url.pathname === r || (r.endsWith("*") && url.pathname.startsWith(r.slice(0, -1))));
    if (!route) return json({ code: "not_found", title: "No such resource", status: 404, detail: url.pathname }, 404);
    const answer = await routes[route](url, init);
    return answer instanceof Response ? answer : json(answer);
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    calls,
    count: (call: string) => calls.filter((c) => c === call).length,
  };
}
