/** Selector matching now lives in the client package (packages/client/src/selector-match.ts). */
export * from "@agentmesh/client/selector";
