/** The agent's schemas and vocabulary now live in the client package (packages/client/src/agent.ts, vocabulary.ts). */
export * from "@agentmesh/client/schema";
