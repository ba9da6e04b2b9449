/**
 * `GET /api/v1/events` (the SSE stream) and `GET /api/v1/events/history`.
 */
import type { FastifyRequest } from "fastify";
import { Type, type Static } from "typebox";
import { Line, MAX_QUERY_INTEGER } from "../../shared/agent.js";
import { EVENT_TYPES, isEventType, type EventType } from "../../shared/events.js";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { jitteredRetry, retryFrame } from "../events/frame.js";
import type { Hub } from "../events/hub.js";
import { judgeResume } from "../events/resume-rule.js";
import type { Store } from "../store/store.js";
import { clientAddress, readingSession, requireRead } from "./auth.js";
import { corsHeadLines } from "./cors.js";
import { SECURITY } from "./openapi.js";
import { EventHistory, READ, eventStream, problemResponses } from "./responses.js";
import { SESSION_RECHECK_MS, type Sessions } from "./sessions.js";
import { SSE_HEADERS, SocketSink, framingFor } from "./sse-sink.js";
import type { TypedApp } from "./typed-app.js";

const StreamQuery = Type.Object(
  {
    types: Type.Optional(Type.Array(Line({ maxLength: 200 }), { maxItems: 20, description: `Comma-separated event types: ${EVENT_TYPES.join(", ")}` })),
    agent_id: Type.Optional(Type.Array(Line({ maxLength: 100 }), { maxItems: 100, description: "Only events of these agents (repeatable)" })),
    last_event_id: Type.Optional(Type.String({ maxLength: 20, description: "Resume after this id (the Last-Event-ID header wins)" })),
  },
  { additionalProperties: false },
);

const HistoryQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_QUERY_INTEGER, description: "Events with an id greater than this (default 0)" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "Default 100" })),
    types: StreamQuery.properties.types,
    agent_id: StreamQuery.properties.agent_id,
  },
  { additionalProperties: false },
);

/** Base of the `retry:` hint sent when a stream opens (jittered per connection). */
const RETRY_MS = 3000;
/** Over capacity or shutting down: come back much later. */
const BACK_OFF_MS = 30_000;

function parseTypes(raw: string[] | undefined): EventType[] | undefined {
  if (!raw) return undefined;
  const types = raw.flatMap((t) => t.split(",")).map((t) => t.trim()).filter(Boolean);
  const bad = types.filter((t) => !isEventType(t));
  if (bad.length) {
    throw new AppError("validation_failed", `unknown event type ${JSON.stringify(bad[0])}; known: ${EVENT_TYPES.join(", ")}`, [
      { field: "query.types", message: `must be among ${EVENT_TYPES.join(", ")}` },
    ]);
  }
  return types as EventType[];
}

function parseResume(request: FastifyRequest, query: Static<typeof StreamQuery>): number | undefined {
  const header = request.headers["last-event-id"];
  const fromHeader = typeof header === "string" && header.trim() !== "" ? header.trim() : undefined;
  const raw = fromHeader ?? query.last_event_id;
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new AppError("invalid_last_event_id", `${fromHeader !== undefined ? "the Last-Event-ID header" : "last_event_id"} must be an event id (digits), got ${JSON.stringify(raw.slice(0, 40))}`, [
      { field: fromHeader !== undefined ? "headers.last-event-id" : "query.last_event_id", message: "must be a non-negative integer" },
    ]);
  }
  return Number(raw);
}

export function eventsRoutes(app: TypedApp, deps: { hub: Hub; store: Store; config: Config; sessions?: Pick<Sessions, "isLive" | "watch"> }) {
  const { hub, store, config, sessions } = deps;

  app.get(
    "/api/v1/events",
    {
      schema: {
        summary: "The event stream (Server-Sent Events)",
        description:
          "text/event-stream of `id:`/`event:`/`data:` frames. Resume with the Last-Event-ID header or `last_event_id`; a `reset` event means refetch state. HEAD answers the headers only; HTTP/1.0 clients get a close-delimited stream.",
        operationId: "streamEvents",
        tags: ["events"],
        security: SECURITY.read,
        querystring: StreamQuery,
        headers: Type.Object({ "last-event-id": Type.Optional(Type.String({ description: "Resume after this event id (an EventSource sends it by itself)" })) }),
        response: {
          200: eventStream("The stream. Over capacity or shutting down, a 200 whose only frame is a long `retry:` hint and a comment, then the end."),
          ...problemResponses([...READ, "invalid_last_event_id"]),
        },
      },
    },
    async (request, reply) => {
      requireRead(request, config);
      const query = request.query;
      const filter = { types: parseTypes(query.types), agentIds: query.agent_id };
      const resume = parseResume(request, query);
      if (request.method === "HEAD") {
        // The stream's headers and no body: not a subscriber, and the connection stays usable.
        return reply.code(200).headers(SSE_HEADERS).send();
      }
      const socket = request.raw.socket;
      const client = clientAddress(request);
      reply.hijack();
      // Closed while the request's hooks awaited (a session lookup): its `close`
      // has fired already, so a subscriber added now would never be removed.
      if (socket.destroyed) return;
      const sink = new SocketSink(socket, client, framingFor(request.raw.httpVersion));
      if (hub.isClosing || hub.size >= config.maxStreams || hub.countFor(client) >= config.maxStreamsPerClient) {
        // A 200 that tells the client to come back later: a browser's EventSource
        // would give up for good on a 503, this makes it retry after the hint.
        sink.open(corsHeadLines(reply.getHeaders()), retryFrame(jitteredRetry(BACK_OFF_MS), hub.isClosing ? "server shutting down" : "over capacity, retry later"));
        sink.end();
        return;
      }
      sink.open(corsHeadLines(reply.getHeaders()), retryFrame(jitteredRetry(RETRY_MS), "connected"));
      const { subscriber, ready } = hub.subscribe(sink, filter, resume);
      // A stream let in by a dashboard session ends with it (sign-out, expiry); while the store is away it stays.
      const session = sessions ? readingSession(request, config) : undefined;
      let unwatch = () => {};
      let recheck: NodeJS.Timeout | undefined;
      if (sessions && session) {
        const endStream = () => {
          hub.remove(subscriber);
          sink.end();
        };
        unwatch = sessions.watch(session, endStream);
        recheck = setInterval(() => {
          sessions.isLive(session).then((live) => live || endStream(), () => {});
        }, SESSION_RECHECK_MS);
        recheck.unref();
      }
      socket.once("close", () => {
        hub.remove(subscriber);
        unwatch();
        if (recheck) clearInterval(recheck);
      });
      await ready;
    },
  );

  app.get(
    "/api/v1/events/history",
    {
      schema: {
        operationId: "eventHistory",
        summary: "The event log as JSON, for tools and catch-up",
        tags: ["events"],
        security: SECURITY.read,
        querystring: HistoryQuery,
        response: { 200: { ...EventHistory, description: "Events after `after`, oldest first, with the log's cursor" }, ...problemResponses(READ) },
      },
    },
    async (request) => {
      requireRead(request, config);
      const q = request.query;
      const after = q.after ?? 0;
      // The cursor is read before the page (every event up to it was committed when
      // the page was read), the oldest retained id after it (pruning meanwhile is seen).
      const { last } = await store.eventBounds();
      const rows = await store.eventsAfter(after, q.limit ?? 100, { types: parseTypes(q.types), agentIds: q.agent_id });
      const { oldest } = await store.eventBounds();
      return {
        events: rows.map((e) => ({ id: e.id, ...JSON.parse(e.payload) })),
        cursor: last,
        // The stream's rule: anything but a retained point is a reset there too.
        reset: judgeResume(after, { oldest, last }) !== "retained",
      };
    },
  );
}
