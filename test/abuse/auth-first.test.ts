/**
 * Authenticate first, then look up: with a registration token and a read token
 * configured, a caller without the token a route needs gets the same answer
 * for an id that exists as for one that does not, on every route that takes an
 * id, so it learns nothing about which ids exist.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, api, card, type TestServer } from "../helpers.js";
import { STORES, send, startOn } from "./support.js";

const REGISTRATION = "registration-0123456789abcdef";
const READ = "read-token-0123456789abcdef";
const EXISTS = "exists-1";
const MISSING = "missing-1";

type Caller = "anonymous" | "made-up token" | "malformed header" | "another agent" | "read token" | "registration token";

interface Route {
  name: string;
  call: (id: string) => [method: string, path: string, body?: unknown];
  /** Callers that hold what this route needs, and so may learn whether the id exists. */
  entitled: Caller[];
}

const ROUTES: Route[] = [
  { name: "POST /agents", call: (id) => ["POST", "/api/v1/agents", card(id)], entitled: ["registration token"] },
  { name: "POST /agents/register", call: (id) => ["POST", "/api/v1/agents/register", card(id)], entitled: ["registration token"] },
  { name: "GET /agents/{id}", call: (id) => ["GET", `/api/v1/agents/${id}`], entitled: ["read token"] },
  { name: "GET /agents/{id}/trust", call: (id) => ["GET", `/api/v1/agents/${id}/trust`], entitled: ["read token"] },
  { name: "GET /agents/{id}/health", call: (id) => ["GET", `/api/v1/agents/${id}/health`], entitled: ["read token"] },
  { name: "GET /events/history?agent_id=", call: (id) => ["GET", `/api/v1/events/history?agent_id=${id}`], entitled: ["read token"] },
  { name: "GET /events?agent_id= (the stream)", call: (id) => ["GET", `/api/v1/events?agent_id=${id}`], entitled: ["read token"] },
  { name: "PATCH /agents/{id}", call: (id) => ["PATCH", `/api/v1/agents/${id}`, { version: "2.0.0" }], entitled: [] },
  { name: "DELETE /agents/{id}", call: (id) => ["DELETE", `/api/v1/agents/${id}`], entitled: [] },
  { name: "POST /agents/{id}/heartbeat", call: (id) => ["POST", `/api/v1/agents/${id}/heartbeat`, { status: "healthy" }], entitled: [] },
  // Any registered agent may report; an agent is told when the subject does not exist.
  { name: "POST /agents/{id}/reports", call: (id) => ["POST", `/api/v1/agents/${id}/reports`, { outcome: "failure" }], entitled: ["another agent"] },
];

const CALLERS: Caller[] = ["anonymous", "made-up token", "malformed header", "another agent", "read token", "registration token"];

describe.each(STORES)("authenticate before looking anything up (%s)", (kind) => {
  let server: TestServer;
  let otherToken: string;
  const headersOf = (caller: Caller): Record<string, string> =>
    ({
      anonymous: {},
      "made-up token": { authorization: "Bearer amt_made-up-0123456789" },
      "malformed header": { authorization: "Basic YWRtaW46YWRtaW4=" },
      "another agent": { authorization: `Bearer ${otherToken}` },
      "read token": { authorization: `Bearer ${READ}` },
      "registration token": { authorization: `Bearer ${REGISTRATION}` },
    })[caller];

  beforeAll(async () => {
    server = await startOn(kind, { registrationToken: REGISTRATION, readToken: READ });
    expect((await api(server.url, "POST", "/api/v1/agents", card(EXISTS), REGISTRATION)).status).toBe(201);
    const other = await api(server.url, "POST", "/api/v1/agents", card("other-1"), REGISTRATION);
    expect(other.status).toBe(201);
    otherToken = other.body.agent_token;
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const cases = ROUTES.flatMap((route) => CALLERS.filter((c) => !route.entitled.includes(c)).map((caller) => [route.name, caller, route] as const));

  it.each(cases)("%s, %s: the same answer whether the id exists or not", async (_name, caller, route) => {
    const answer = async (id: string) => {
      const [method, path, body] = route.call(id);
      const r = await send(server.url, method, path, headersOf(caller), body);
      return { status: r.status, code: r.body?.code, detail: String(r.body?.detail ?? "").replaceAll(id, "<id>") };
    };
    const missing = await answer(MISSING);
    const existing = await answer(EXISTS);
    expect(existing).toEqual(missing);
    expect([401, 403]).toContain(existing.status);
  });

  it("nothing changed: the agent is as registered, and the missing id is still missing", async () => {
    const r = await api(server.url, "GET", `/api/v1/agents/${EXISTS}`, undefined, READ);
    expect(r.body).toMatchObject({ id: EXISTS, revision: 1, health_status: "unknown", version: "1.0.0" });
    expect((await api(server.url, "GET", `/api/v1/agents/${MISSING}`, undefined, ADMIN)).status).toBe(404);
  });
});
