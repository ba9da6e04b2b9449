/**
 * The registry's REST routes under /api/v1/agents. Schemas (shared with the SDK
 * and the dashboard) validate every input, type the handlers and document the
 * API with each operation's answers; the handlers only translate HTTP to the
 * registry service and back.
 */
import type { FastifyRequest, onRequestHookHandler } from "fastify";
import { Type } from "typebox";
import { AgentCard, AgentId, Heartbeat, InvocationReport } from "../../shared/agent.js";
import { AgentUpdate, REGISTRATION_BODY_VALIDATION, RegistrationBody } from "../../shared/card-registration.js";
import type { ResolvedProbe } from "../../shared/probe.js";
import { validatedAs } from "./validation.js";
import type { Config } from "../config.js";
import type { GuardedFetcher } from "../fetch/types.js";
import { cardRefreshOf, probeOrFail, resolveRegistration } from "./card-registration.js";
import { toProbeHealth } from "../probes/view.js";
import { AppError } from "../errors.js";
import type { Clock, Registry } from "../registry/service.js";
import { toPublic } from "../registry/snapshot.js";
import { HISTORY_PER_AGENT, type Store } from "../store/store.js";
import { ListAgentsQuery, listAgentsPage } from "./list-agents.js";
import { bearerOf, requireAgent, requireOwnerOrAdmin, requireRead, requireRegistrant, type Auth } from "./auth.js";
import { SECURITY } from "./openapi.js";
import {
  AgentList,
  BODY,
  HealthReport,
  HeartbeatResponse,
  NoContent,
  PublicAgent,
  READ,
  RegisterResponse,
  ReportResponse,
  TrustReport,
  WRITE,
  problemResponses,
} from "./responses.js";
import type { TypedApp } from "./typed-app.js";
import type { ProblemCode } from "../../shared/problems.js";

const IdParams = Type.Object({ id: AgentId }, { additionalProperties: false });

const iso = (ms: number) => new Date(ms).toISOString();

export interface AgentsRouteDeps {
  registry: Registry;
  store: Store;
  config: Config;
  auth: Auth;
  /** The write rate limit (one budget across every write route), when on. */
  writeLimit?: onRequestHookHandler;
  /** Fetches the A2A cards that registrations name (card-registration.ts). */
  fetcher: GuardedFetcher;
  clock: Clock;
}

export function agentsRoutes(app: TypedApp, { registry, store, config, auth, writeLimit: limit, fetcher, clock }: AgentsRouteDeps) {
  const caller = (request: FastifyRequest) => ({ bearer: bearerOf(request) });
  const tags = ["agents"];
  // Every write: counted by the rate limit under the caller's verified identity,
  // then refused with 401 if its token verifies as nothing, before the body is read.
  const writeHooks = { onRequest: limit ? [limit] : [], preParsing: [auth.rejectUnverified] };

  const registerSchema = {
    summary: "Register an agent (or re-register it with its own token)",
    description:
      "201 with the agent and its `agent_token` (shown once). Re-registering an existing id with that agent's token updates it (200, no token); without it, 409. " +
      "The body is a native card, or `{card_url, id?, probe?}` to register from an A2A Agent Card's URL, or `{a2a_card, id?}` with the card inline; " +
      "a card that cannot be used is a 422 `card_unusable` whose `reason` says why (and `errors` each schema fault), and nothing is registered.",
    tags,
    security: SECURITY.register,
    body: validatedAs(RegistrationBody, REGISTRATION_BODY_VALIDATION),
    response: {
      200: { ...RegisterResponse, description: "Re-registered: the agent, updated (no token)" },
      201: { ...RegisterResponse, description: "Registered: the agent and its `agent_token`, shown once" },
      ...problemResponses([...BODY, ...WRITE, "forbidden", "agent_id_taken", "duplicate_skill", "metadata_too_large", "card_unusable"]),
    },
  };
  const registerRoutes = [
    { url: "/api/v1/agents", operationId: "registerAgent", summary: registerSchema.summary },
    { url: "/api/v1/agents/register", operationId: "registerAgentAlias", summary: "Alias of POST /agents" },
  ];
  for (const { url, ...names } of registerRoutes) {
    app.post(url, { schema: { ...registerSchema, ...names }, ...writeHooks }, async (request, reply) => {
      const who = await auth.identify(request);
      // A card URL or an inline A2A card becomes the card to register and the published card to keep.
      const { card, published, probe } = await resolveRegistration(request.body, who, { fetcher, config, clock });
      requireRegistrant(who, card.id, config);
      const { row, token, created } = await registry.register(card, caller(request), published, probe);
      return reply.code(created ? 201 : 200).send(created ? { agent: toPublic(row), agent_token: token } : { agent: toPublic(row) });
    });
  }

  /** The probe part of the health answer: the runner's row, or the probe as configured before its row exists. */
  const probeHealthOf = async (id: string, configured: ResolvedProbe) => {
    const record = await store.probeLeases().get(id);
    if (record) return toProbeHealth(record);
    return { probe: configured, state: "unknown" as const, failing_since: null, last_ok_at: null, next_due_at: iso(clock.now()), recent: [] };
  };

  // One agent by id, or 404: the answers of every route under /agents/{id} that reads it.
  const agentReads = problemResponses([...READ, "agent_not_found"]);
  const agentOr404 = async (id: string) => {
    const row = await store.getAgent(id);
    if (!row) throw new AppError("agent_not_found", `no agent with id ${JSON.stringify(id)}`);
    return row;
  };

  app.get(
    "/api/v1/agents",
    {
      schema: {
        operationId: "listAgents",
        summary: "List agents (selector, sort, offset or keyset paging)",
        tags,
        security: SECURITY.read,
        querystring: ListAgentsQuery,
        response: {
          200: { ...AgentList, description: "One page of agents, the total matching, the event cursor of this snapshot (of the first page, on a continue page), and the next page's continue token" },
          ...problemResponses([...READ, "invalid_continue"]),
        },
      },
    },
    async (request) => {
      requireRead(request, config);
      const page = await listAgentsPage(store, request.query);
      const answer = { agents: page.rows.map(toPublic), total: page.total, limit: page.limit, offset: page.offset, cursor: page.cursor };
      return page.continue === undefined ? answer : { ...answer, continue: page.continue };
    },
  );

  app.get(
    "/api/v1/agents/:id",
    {
      schema: {
        operationId: "getAgent",
        summary: "One agent",
        tags,
        security: SECURITY.read,
        params: IdParams,
        response: { 200: { ...PublicAgent, description: "The agent" }, ...agentReads },
      },
    },
    async (request) => {
      requireRead(request, config);
      const { id } = request.params;
      const row = await agentOr404(id);
      return toPublic(row);
    },
  );

  // Writes to one agent: its own token (or, where allowed, the admin token); 404 if it is not there.
  const ownerWrite: ProblemCode[] = [...WRITE, "validation_failed", "forbidden", "agent_not_found"];

  app.patch(
    "/api/v1/agents/:id",
    {
      schema: {
        operationId: "updateAgent",
        summary: "Update card fields (agent token or admin token)",
        tags,
        security: SECURITY.bearer,
        params: IdParams,
        body: AgentUpdate,
        response: { 200: { ...PublicAgent, description: "The agent, updated" }, ...problemResponses([...BODY, ...ownerWrite, "duplicate_skill", "metadata_too_large"]) },
      },
      ...writeHooks,
    },
    async (request) => {
      const { id } = request.params;
      requireOwnerOrAdmin(await auth.identify(request), id, true);
      const { probe: spec, ...patch } = request.body;
      let probe: ResolvedProbe | null | undefined = spec === null ? null : undefined;
      if (spec) {
        // An `a2a` probe without a URL checks the agent's card: where it was registered from, else at its endpoint.
        const row = spec.kind === "a2a" && spec.url === undefined ? await agentOr404(id) : null;
        probe = probeOrFail(spec, config, { endpoint: patch.endpoint ?? row?.endpoint ?? "", cardUrl: row?.card_url ?? null });
      }
      if (Object.keys(patch).length === 0 && probe === undefined) throw new AppError("validation_failed", "the body changes nothing");
      return toPublic(await registry.update(id, patch, caller(request), probe));
    },
  );

  app.delete(
    "/api/v1/agents/:id",
    {
      schema: {
        operationId: "deregisterAgent",
        summary: "Deregister (agent token or admin token)",
        tags,
        security: SECURITY.bearer,
        params: IdParams,
        response: { 204: NoContent("Deregistered"), ...problemResponses(ownerWrite) },
      },
      ...writeHooks,
    },
    async (request, reply) => {
      const { id } = request.params;
      requireOwnerOrAdmin(await auth.identify(request), id, true);
      await registry.deregister(id, caller(request));
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/v1/agents/:id/heartbeat",
    {
      schema: {
        operationId: "heartbeat",
        summary: "Heartbeat, with an optional reported status (agent token); the body may be omitted",
        tags,
        security: SECURITY.bearer,
        params: IdParams,
        body: Heartbeat,
        response: { 200: { ...HeartbeatResponse, description: "The health status now, and when the next heartbeat is due" }, ...problemResponses([...BODY, ...ownerWrite]) },
      },
      // A bare POST (no body) is a plain "I'm alive".
      preValidation: async (request: { body: unknown }) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      ...writeHooks,
    },
    async (request) => {
      const { id } = request.params;
      requireOwnerOrAdmin(await auth.identify(request), id, false);
      return registry.heartbeat(id, request.body ?? {}, caller(request));
    },
  );

  app.post(
    "/api/v1/agents/:id/reports",
    {
      schema: {
        operationId: "reportInvocation",
        summary: "Report an invocation outcome about this agent (the reporter's agent token)",
        tags,
        security: SECURITY.bearer,
        params: IdParams,
        body: InvocationReport,
        response: { 202: { ...ReportResponse, description: "Accepted: how much it counted, and the trust score now" }, ...problemResponses([...BODY, ...ownerWrite, "self_report"]) },
      },
      ...writeHooks,
    },
    async (request, reply) => {
      const { id } = request.params;
      requireAgent(await auth.identify(request));
      const result = await registry.report(id, request.body, caller(request));
      return reply.code(202).send(result);
    },
  );

  app.get(
    "/api/v1/agents/:id/trust",
    {
      schema: {
        operationId: "getTrust",
        summary: "Trust score, tier and recent history",
        tags,
        security: SECURITY.read,
        params: IdParams,
        response: { 200: { ...TrustReport, description: "The trust score, its tier and its recent changes" }, ...agentReads },
      },
    },
    async (request) => {
      requireRead(request, config);
      const { id } = request.params;
      const row = await agentOr404(id);
      const agent = toPublic(row);
      const history = await store.trustHistory(id, HISTORY_PER_AGENT);
      return { agent_id: id, score: agent.trust_score, tier: agent.trust_tier, history: history.map((h) => ({ at: iso(h.at), score: h.score, tier: h.tier, reason: h.reason })) };
    },
  );

  app.get(
    "/api/v1/agents/:id/health",
    {
      schema: {
        operationId: "getHealth",
        summary: "Health status and recent transitions",
        tags,
        security: SECURITY.read,
        params: IdParams,
        response: { 200: { ...HealthReport, description: "The health status, the last heartbeat and recent transitions" }, ...agentReads },
      },
    },
    async (request) => {
      requireRead(request, config);
      const { id } = request.params;
      const row = await agentOr404(id);
      const history = await store.healthHistory(id, HISTORY_PER_AGENT);
      return {
        agent_id: id,
        status: row.health_status,
        last_heartbeat_at: row.last_heartbeat_at === null ? null : iso(row.last_heartbeat_at),
        health_reason: row.health_reason,
        history: history.map((h) => ({
          at: iso(h.at),
          status: h.status,
          previous_status: h.previousStatus,
          message: h.message,
          ...(h.source ? { source: h.source } : {}),
          ...(h.probe ? { probe: h.probe } : {}),
        })),
        probe: row.probe === null ? null : await probeHealthOf(id, row.probe),
        ...cardRefreshOf(row),
      };
    },
  );
}
