/**
 * The AgentMesh client: `import { AgentMeshClient } from "@agentmesh/client"`
 * (also re-exported by the server package, `from "agentmesh"`). Types are the
 * registry's own, so client and server never drift. This entry loads no
 * TypeBox: the schemas are at `@agentmesh/client/schema`.
 */
export { AgentMeshClient, type AgentMeshClientOptions, type HistoryQuery, type ListOptions } from "./client.js";
export type { WatchChange, WatchOptions, WatchView } from "./watch.js";
export { formatSelector, parseSelector, selectorKey, SELECTOR_PARAMETERS, type Selector, type SelectorFault, type SelectorParseResult } from "./selector-grammar.js";
export type { Match } from "./selector-match.js";
export { AgentMeshError, CLIENT_ERROR_CODES, type AgentMeshErrorCode, type ClientErrorCode } from "./errors.js";
export type { CallOptions, FetchFn } from "./http.js";
export type { HeartbeatLoop, HeartbeatOptions } from "./heartbeats.js";
export type { ConnectionState, SnapshotUpdate, Subscription, SubscriptionHandler, SubscriptionUpdate, SubscribeOptions } from "./subscribe.js";
export { backoffDelay, cancellableSleep, type BackoffOptions } from "./backoff.js";
export { DEFAULT_PAGE_SIZE } from "./pages.js";
export { DEFAULT_ORDER, DEFAULT_SORT, matchesText, searchNeedle, searchText, termIndex, type Searchable, type SortOrder } from "./list.js";
export type * from "./agent.js";
export type * from "./probes.js";
export type * from "./a2a-card.js";
export * from "./vocabulary.js";
export * from "./events.js";
export * from "./problems.js";
export type * from "./card-registration.js";
