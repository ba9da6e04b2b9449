/**
 * The Fastify instance the routes are written against: typed by its TypeBox
 * schemas, so `request.body`, `request.query` and `request.params` are what
 * the schema validated and each handler's answer is checked against the
 * route's response schema for that status.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";

export type TypedApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
