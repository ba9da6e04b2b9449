/**
 * `GET /api/v1/agents/{id}/card`: every agent as an A2A Agent Card, so A2A
 * clients can consume the whole registry. An agent registered from a card is
 * answered with that card exactly as it was published (the last good one if a
 * refresh failed); any other agent with a current (1.0) card built from its
 * registration (`toA2ACard`). Served as `application/json`, the media type A2A
 * serves cards with; reading it needs what any read needs.
 */
import { Type, type Static } from "typebox";
import { AgentId } from "../../shared/agent.js";
import { toA2ACard } from "../a2a/map-card.js";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { toPublic } from "../registry/snapshot.js";
import type { Store } from "../store/store.js";
import { requireRead } from "./auth.js";
import { SECURITY } from "./openapi.js";
import { problemResponses, READ } from "./responses.js";
import type { TypedApp } from "./typed-app.js";

const IdParams = Type.Object({ id: AgentId }, { additionalProperties: false });

/**
 * An A2A Agent Card, open (A2A cards are extensible): the fields every card
 * has, both versions'. A stored card is sent as its own text, so this schema
 * describes it without re-serializing it.
 */
export const A2ACardResponse = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    version: Type.String(),
    capabilities: Type.Record(Type.String(), Type.Unknown()),
    defaultInputModes: Type.Array(Type.String()),
    defaultOutputModes: Type.Array(Type.String()),
    skills: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), description: Type.String(), tags: Type.Array(Type.String()) }, { additionalProperties: true })),
  },
  { additionalProperties: true, description: "The A2A Agent Card: as published for an agent registered from one, else version 1.0 built from its registration" },
);

export function cardRoutes(app: TypedApp, { store, config }: { store: Pick<Store, "getAgent">; config: Config }) {
  app.get(
    "/api/v1/agents/:id/card",
    {
      schema: {
        operationId: "getAgentCard",
        summary: "The agent's A2A Agent Card",
        description: "The card the agent was registered from, exactly as published (the last good one if a refresh failed); for any other agent a current (1.0) A2A card built from its registration.",
        tags: ["agents"],
        security: SECURITY.read,
        params: IdParams,
        response: { 200: A2ACardResponse, ...problemResponses([...READ, "agent_not_found"]) },
      },
    },
    async (request, reply) => {
      requireRead(request, config);
      const { id } = request.params;
      const row = await store.getAgent(id);
      if (!row) throw new AppError("agent_not_found", `no agent with id ${JSON.stringify(id)}`);
      reply.type("application/json");
      // The published card goes out as its own text: its bytes, unknown fields and key order kept.
      // (Fastify sends a string payload as it is; the cast only tells the type provider so.)
      if (row.a2a_card !== null) return reply.send(row.a2a_card as unknown as Static<typeof A2ACardResponse>);
      return toA2ACard(toPublic(row));
    },
  );
}
