/** The problem catalogue now lives in the client package (packages/client/src/problems.ts), exported by its main entry. */
export * from "@agentmesh/client";
