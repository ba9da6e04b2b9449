/**
 * `@agentmesh/client/schema`: the TypeBox schemas of the agent and its
 * requests (the ones the registry validates with), for programs that want to
 * validate before they send. Imports TypeBox at runtime; the main entry
 * `@agentmesh/client` does not.
 */
export * from "./agent.js";
export * from "./vocabulary.js";
