/** The selector grammar now lives in the client package (packages/client/src/selector-grammar.ts). */
export * from "@agentmesh/client/selector";
