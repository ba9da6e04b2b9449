/**
 * The page's one `AgentMeshClient` (the client package, @agentmesh/client):
 * the table's pages, the totals and the live stream go through it, so the dashboard follows
 * the same consistency recipe, paging and backoff as every other client. It
 * speaks to the origin the page came from, with the session cookie.
 */
import { AgentMeshClient } from "@agentmesh/client";
import { sessionFetch } from "./http";

let client: AgentMeshClient | null = null;

export function registry(): AgentMeshClient {
  client ??= new AgentMeshClient({ url: globalThis.location.origin, fetch: sessionFetch });
  return client;
}
