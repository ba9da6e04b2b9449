/**
 * `GET /api/v1/agents/{id}/card`: every agent as an A2A Agent Card, so A2A
 * clients can consume the whole registry. An agent registered from a card is
 * answered with that card exactly as it was published (the last good one if a
 * refresh failed); any other agent with a current (1.0) card built from its
 * registration (`toA2ACard`). Reading it needs what any read needs.
 */
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "typebox";
import { AgentId } from "../../shared/agent.js";
import { toA2ACard } from "../a2a/map-card.js";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { toPublic } from "../registry/snapshot.js";
import type { Store } from "../store/store.js";
import { requireRead } from "./auth.js";

const IdParams = Type.Object({ id: AgentId }, { additionalProperties: false });

/** An A2A Agent Card: open, as A2A cards are extensible. */
export const A2ACardSchema = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    version: Type.String(),
    skills: Type.Array(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true, description: "An A2A Agent Card (a2aproject/A2A), as published, or version 1.0 built from a native registration" },
);

export function cardRoutes(app: FastifyInstance, { store, config }: { store: Pick<Store, "getAgent">; config: Config }) {
  app.get(
    "/api/v1/agents/:id/card",
    {
      schema: {
        operationId: "getAgentCard",
        summary: "The agent's A2A Agent Card",
        description: "The card the agent was registered from, exactly as published; for a native registration, a current (1.0) A2A card built from it.",
        tags: ["agents"],
        params: IdParams,
        response: { 200: { ...A2ACardSchema, description: "The A2A Agent Card (application/json, as A2A serves it)" } },
      },
    },
    async (request, reply) => {
      requireRead(request, config);
      const { id } = request.params as Static<typeof IdParams>;
      const row = await store.getAgent(id);
      if (!row) throw new AppError("agent_not_found", `no agent with id ${JSON.stringify(id)}`);
      reply.type("application/json");
      // The stored card is sent as its own text: the bytes as published, unknown fields and key order kept.
      return row.a2a_card ?? toA2ACard(toPublic(row));
    },
  );
}
