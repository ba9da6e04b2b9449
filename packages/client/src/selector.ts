/**
 * Selectors, the one language for "which agents" on `GET /agents` and
 * `GET /events` (docs/selectors.md): the grammar (parse, format, canonical
 * key) and the evaluation (match, classify an event for a standing query).
 * Pure TypeScript without TypeBox, for the client package.
 */
export * from "./selector-grammar.js";
export * from "./selector-match.js";
