/**
 * The selector at the HTTP edge, through a real Fastify with the server's own
 * validator and problem handler: single and repeated values both arrive,
 * a bad part is a 400 problem naming `query.<parameter>`.
 */
import Fastify from "fastify";
import { Type } from "typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CONTENT_TYPE } from "../../shared/problems.js";
import { problemAnswers } from "./problem.js";
import { SELECTOR_QUERY, selectorFromQuery } from "./selector-query.js";
import { validatorCompiler } from "./validation.js";

const app = Fastify();

beforeAll(async () => {
  app.setValidatorCompiler(validatorCompiler());
  app.setErrorHandler(problemAnswers(() => {}).errorHandler);
  const querystring = Type.Object({ ...SELECTOR_QUERY, sort: Type.Optional(Type.String()) }, { additionalProperties: false });
  app.get("/probe", { schema: { querystring } }, async (request) => selectorFromQuery(request.query as Record<string, unknown>, ["sort"]));
  await app.ready();
});
afterAll(() => app.close());

const get = (query: string) => app.inject({ method: "GET", url: `/probe?${query}` });

describe("selectorFromQuery behind a route", () => {
  it("reads single and repeated values, and today's list URLs, alongside the route's own parameters", async () => {
    const r = await get("health=healthy,degraded&tag=a&tag=b&min_trust=0.8&q=sum&sort=name");
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ health: ["healthy", "degraded"], tag: ["a", "b"], min_trust: 0.8, q: "sum" });
    expect((await get("health=degraded&tag=nlp&skill=summarize&q=x&sort=name")).json()).toEqual({ health: ["degraded"], tag: ["nlp"], skill: ["summarize"], q: "x" });
    expect((await get("tag=&q=")).json()).toEqual({});
  });

  it("a bad part is a 400 validation_failed naming query.<parameter> and the value", async () => {
    const r = await get("health=sick&tier=gold&tag=a%7Cb");
    expect(r.statusCode).toBe(400);
    expect(r.headers["content-type"]).toContain(PROBLEM_CONTENT_TYPE);
    const body = r.json();
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(["query.tag", "query.health", "query.tier"]);
    expect(body.detail).toContain('health "sick" is not a health status');
    expect(body.detail).toContain('tag "a|b" must not contain |');
  });

  it("a parameter no one knows is refused by the schema", async () => {
    const r = await get("protocl=a2a");
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe("validation_failed");
  });
});
