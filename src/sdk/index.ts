/**
 * The server package re-exports the client, so `import { AgentMeshClient } from
 * "agentmesh"` keeps working. Agents that need only the client install
 * `@agentmesh/client` (packages/client) on its own.
 */
export * from "@agentmesh/client";
