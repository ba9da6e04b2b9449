/** The stream's events now live in the client package (packages/client/src/events.ts), exported by its main entry. */
export * from "@agentmesh/client";
