/**
 * The registry's REST routes under /api/v1/agents. Schemas (shared with the SDK
 * and the dashboard) validate every input and document the API; the handlers
 * only translate HTTP to the registry service and back.
 */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from "fastify";
import { DEFAULT_ORDER, DEFAULT_SORT } from "@agentmesh/client";
import { Type, type Static } from "typebox";
import {
  AgentCard,
  AgentId,
  AgentPatch,
  Heartbeat,
  InvocationReport,
  ListQuery,
  type AgentList,
  type HealthReport,
  type TrustReport,
} from "../../shared/agent.js";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import type { Registry } from "../registry/service.js";
import { toPublic } from "../registry/snapshot.js";
import { HISTORY_PER_AGENT, type Store } from "../store/store.js";
import { bearerOf, requireAgent, requireOwnerOrAdmin, requireRead, requireRegistrant, type Auth } from "./auth.js";

const IdParams = Type.Object({ id: AgentId }, { additionalProperties: false });
type IdParams = Static<typeof IdParams>;

const iso = (ms: number) => new Date(ms).toISOString();

export interface AgentsRouteDeps {
  registry: Registry;
  store: Store;
  config: Config;
  auth: Auth;
  /** The write rate limit (one budget across every write route), when on. */
  writeLimit?: onRequestHookHandler;
}

export function agentsRoutes(app: FastifyInstance, { registry, store, config, auth, writeLimit: limit }: AgentsRouteDeps) {
  const caller = (request: FastifyRequest) => ({ bearer: bearerOf(request) });
  const tags = ["agents"];
  // Every write: counted by the rate limit under the caller's verified identity,
  // then refused with 401 if its token verifies as nothing, before the body is read.
  const writeHooks = { onRequest: limit ? [limit] : [], preParsing: [auth.rejectUnverified] };

  const register = async (request: FastifyRequest, reply: any) => {
    const card = request.body as AgentCard;
    requireRegistrant(await auth.identify(request), card.id, config);
    const { row, token, created } = await registry.register(card, caller(request));
    reply.code(created ? 201 : 200);
    return created ? { agent: toPublic(row), agent_token: token } : { agent: toPublic(row) };
  };
  const registerSchema = {
    summary: "Register an agent (or re-register it with its own token)",
    description: "201 with the agent and its `agent_token` (shown once). Re-registering an existing id with that agent's token updates it (200); without it, 409.",
    tags,
    body: AgentCard,
  };
  app.post("/api/v1/agents", { schema: registerSchema, ...writeHooks }, register);
  app.post("/api/v1/agents/register", { schema: { ...registerSchema, summary: "Alias of POST /agents" }, ...writeHooks }, register);

  app.get("/api/v1/agents", { schema: { summary: "List agents (filter, search, sort, page)", tags, querystring: ListQuery } }, async (request): Promise<AgentList> => {
    requireRead(request, config);
    const q = request.query as ListQuery;
    const sort = q.sort ?? DEFAULT_SORT;
    const options = { ...q, sort, order: q.order ?? DEFAULT_ORDER[sort], limit: q.limit ?? 100, offset: q.offset ?? 0 };
    const result = await store.listAgents(options);
    return { agents: result.rows.map(toPublic), total: result.total, limit: options.limit, offset: options.offset, cursor: result.cursor };
  });

  app.get("/api/v1/agents/:id", { schema: { summary: "One agent", tags, params: IdParams } }, async (request) => {
    requireRead(request, config);
    const { id } = request.params as IdParams;
    const row = await store.getAgent(id);
    if (!row) throw new AppError("agent_not_found", `no agent with id ${JSON.stringify(id)}`);
    return toPublic(row);
  });

  app.patch(
    "/api/v1/agents/:id",
    { schema: { summary: "Update card fields (agent token or admin token)", tags, params: IdParams, body: AgentPatch }, ...writeHooks },
    async (request) => {
      const { id } = request.params as IdParams;
      requireOwnerOrAdmin(await auth.identify(request), id, true);
      return toPublic(await registry.update(id, request.body as AgentPatch, caller(request)));
    },
  );

  app.delete(
    "/api/v1/agents/:id",
    { schema: { summary: "Deregister (agent token or admin token)", tags, params: IdParams }, ...writeHooks },
    async (request, reply) => {
      const { id } = request.params as IdParams;
      requireOwnerOrAdmin(await auth.identify(request), id, true);
      await registry.deregister(id, caller(request));
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/v1/agents/:id/heartbeat",
    {
      schema: { summary: "Heartbeat, with an optional reported status (agent token); the body may be omitted", tags, params: IdParams, body: Heartbeat },
      // A bare POST (no body) is a plain "I'm alive".
      preValidation: async (request: { body: unknown }) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      ...writeHooks,
    },
    async (request) => {
      const { id } = request.params as IdParams;
      requireOwnerOrAdmin(await auth.identify(request), id, false);
      return registry.heartbeat(id, (request.body as Heartbeat | undefined) ?? {}, caller(request));
    },
  );

  app.post(
    "/api/v1/agents/:id/reports",
    { schema: { summary: "Report an invocation outcome about this agent (the reporter's agent token)", tags, params: IdParams, body: InvocationReport }, ...writeHooks },
    async (request, reply) => {
      const { id } = request.params as IdParams;
      requireAgent(await auth.identify(request));
      const result = await registry.report(id, request.body as InvocationReport, caller(request));
      return reply.code(202).send(result);
    },
  );

  app.get("/api/v1/agents/:id/trust", { schema: { summary: "Trust score, tier and recent history", tags, params: IdParams } }, async (request): Promise<TrustReport> => {
    requireRead(request, config);
    const { id } = request.params as IdParams;
    const row = await store.getAgent(id);
    if (!row) throw new AppError("agent_not_found", `no agent with id ${JSON.stringify(id)}`);
    const agent = toPublic(row);
    const history = await store.trustHistory(id, HISTORY_PER_AGENT);
    return { agent_id: id, score: agent.trust_score, tier: agent.trust_tier, history: history.map((h) => ({ at: iso(h.at), score: h.score, tier: h.tier, reason: h.reason })) };
  });

  app.get("/api/v1/agents/:id/health", { schema: { summary: "Health status and recent transitions", tags, params: IdParams } }, async (request): Promise<HealthReport> => {
    requireRead(request, config);
    const { id } = request.params as IdParams;
    const row = await store.getAgent(id);
    if (!row) throw new AppError("agent_not_found", `no agent with id ${JSON.stringify(id)}`);
    const history = await store.healthHistory(id, HISTORY_PER_AGENT);
    return {
      agent_id: id,
      status: row.health_status,
      last_heartbeat_at: row.last_heartbeat_at === null ? null : iso(row.last_heartbeat_at),
      history: history.map((h) => ({ at: iso(h.at), status: h.status, previous_status: h.previousStatus, message: h.message })),
    };
  });
}
