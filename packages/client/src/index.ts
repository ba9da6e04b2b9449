/**
 * The AgentMesh client SDK: `import { AgentMeshClient } from "agentmesh"`.
 * Types are the registry's own (src/shared), so client and server never drift.
 */
export { AgentMeshClient, type AgentMeshClientOptions, type HistoryQuery } from "./client.js";
export { AgentMeshError, CLIENT_ERROR_CODES, type AgentMeshErrorCode, type ClientErrorCode } from "./errors.js";
export type { CallOptions } from "./http.js";
export type { HeartbeatLoop, HeartbeatOptions } from "./heartbeats.js";
export type { ConnectionState, SnapshotUpdate, Subscription, SubscriptionHandler, SubscriptionUpdate, SubscribeOptions } from "./subscribe.js";
export * from "../shared/agent.js";
export * from "../shared/events.js";
export * from "../shared/problems.js";
