/**
 * Selectors, the one language for "which agents" on `GET /agents` and
 * `GET /events` (docs/selectors.md). They live in the client package
 * (packages/client/src/selector*.ts), which the SDK's `watch()` and the CLI
 * share with the server; this path is kept for the server's imports.
 */
export * from "@agentmesh/client/selector";
