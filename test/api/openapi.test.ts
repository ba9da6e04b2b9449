/**
 * The API description (/openapi.json) against a real server: a valid OpenAPI
 * document (checked by an OpenAPI validator), every operation with its real
 * answers, and the answers the server actually gives matching the schemas the
 * document states for them (a response schema is also the serializer, so a
 * field it forgot would be missing here).
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS, type ProblemCode } from "../../src/shared/problems.js";
import { typeEnums } from "../../src/server/http/openapi.js";
import { ADMIN, api, card, startTestServer, type TestServer } from "../helpers.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let server: TestServer;
let url: string;
let doc: any;

beforeAll(async () => {
  server = await startTestServer({ trustMaturity: "0" });
  url = server.url;
  doc = (await api(url, "GET", "/openapi.json")).body;
});
afterAll(async () => {
  await server?.destroy();
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

/** Every node of a JSON value, with its path. */
function* nodes(value: unknown, path = "#"): Generator<{ path: string; node: Record<string, unknown> }> {
  if (value === null || typeof value !== "object") return;
  if (!Array.isArray(value)) yield { path, node: value as Record<string, unknown> };
  for (const [k, v] of Object.entries(value)) yield* nodes(v, `${path}/${k}`);
}

describe("the document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("the validator refuses a broken copy (the check above can fail)", async () => {
    const broken = structuredClone(doc);
    delete broken.paths["/api/v1/agents"].post.responses;
    broken.paths["/api/v1/agents"].get.parameters[0].in = "body";
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });

  it("names every operation once, and states its security", () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(19);
    const ids = ops.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of ops) expect(Array.isArray(op.security)).toBe(true);
    const schemes = Object.keys(doc.components.securitySchemes);
    expect(schemes).toEqual(expect.arrayContaining(["bearer", "session"]));
    for (const { op } of ops) for (const requirement of op.security) for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
    expect(doc.paths["/api/v1/agents/{id}"].delete.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/api/v1/agents"].get.security).toEqual([{}, { bearer: [] }, { session: [] }]);
  });

  it("gives each operation its real success status and body", () => {
    const success = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).filter((s) => s.startsWith("2"));
    expect(success("/api/v1/agents", "post")).toEqual(["200", "201"]);
    expect(success("/api/v1/agents/{id}", "delete")).toEqual(["204"]);
    expect(doc.paths["/api/v1/agents/{id}"].delete.responses["204"].content).toBeUndefined();
    expect(success("/api/v1/agents/{id}/reports", "post")).toEqual(["202"]);
    expect(success("/api/v1/agents", "get")).toEqual(["200"]);
    const created = doc.paths["/api/v1/agents"].post.responses["201"].content["application/json"].schema;
    expect(Object.keys(created.properties)).toEqual(["agent", "agent_token"]);
    for (const { path, method, op } of operations()) {
      const statuses = Object.keys(op.responses);
      expect(statuses.some((s) => s.startsWith("2")), `${method} ${path}`).toBe(true);
      expect(JSON.stringify(op.responses)).not.toContain("Default Response");
    }
  });

  it("lists the problem codes of each error answer, under their catalogue status, as application/problem+json", () => {
    for (const { path, method, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        if (Number(status) < 400) continue;
        expect(Object.keys(response.content), `${method} ${path} ${status}`).toEqual(["application/problem+json"]);
        const codes: ProblemCode[] = response.content["application/problem+json"].schema.properties.code.enum;
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) expect(PROBLEMS[code].status, `${method} ${path}: ${code}`).toBe(Number(status));
        if (status === "401") expect(response.headers["WWW-Authenticate"]).toBeDefined();
      }
    }
    const codesOf = (path: string, method: string, status: number) => doc.paths[path][method].responses[status].content["application/problem+json"].schema.properties.code.enum;
    expect(codesOf("/api/v1/agents", "post", 409)).toEqual(expect.arrayContaining(["agent_id_taken", "conflict"]));
    expect(codesOf("/api/v1/agents/{id}", "get", 404)).toEqual(["agent_not_found"]);
    expect(codesOf("/api/v1/agents/{id}/reports", "post", 400)).toContain("self_report");
    expect(codesOf("/api/v1/events", "get", 400)).toEqual(expect.arrayContaining(["validation_failed", "invalid_last_event_id"]));
  });

  it("describes the stream as text/event-stream with its event types", () => {
    const ok = doc.paths["/api/v1/events"].get.responses["200"];
    expect(Object.keys(ok.content)).toEqual(["text/event-stream"]);
    for (const type of ["agent_registered", "agent_updated", "agent_deregistered", "agent_health_changed", "trust_score_changed", "reset"]) {
      expect(ok.content["text/event-stream"].schema.description).toContain(`\`${type}\``);
    }
    const branches = doc.components.schemas.StreamEvent.anyOf;
    expect(branches.map((b: any) => b.properties.type.enum[0]).sort()).toEqual(
      ["agent_deregistered", "agent_health_changed", "agent_registered", "agent_updated", "reset", "trust_score_changed"],
    );
  });

  it("gives every enum its type", () => {
    const untyped = [...nodes(doc)].filter(({ node }) => Array.isArray(node.enum) && node.type === undefined).map(({ path }) => path);
    expect(untyped).toEqual([]);
    expect(doc.paths["/api/v1/agents"].get.parameters.find((p: any) => p.name === "health").schema.type).toBe("string");
  });
});

describe("typeEnums", () => {
  it("types string, integer and mixed enums, and leaves typed ones and enum values alone", () => {
    const out = typeEnums({ a: { enum: ["x", "y"] }, b: { enum: [1, 2] }, c: { enum: [1, 2.5] }, d: { enum: ["x", null] }, e: { type: "string", enum: ["q"] }, f: { enum: [{ enum: [1] }] } });
    expect(out).toEqual({
      a: { enum: ["x", "y"], type: "string" },
      b: { enum: [1, 2], type: "integer" },
      c: { enum: [1, 2.5], type: "number" },
      d: { enum: ["x", null], type: ["null", "string"] },
      e: { type: "string", enum: ["q"] },
      f: { enum: [{ enum: [1] }] },
    });
  });
});

describe("answers match their schemas", () => {
  /** Checks a real answer against the schema the document gives for its status and media type. */
  function expectMatches(path: string, method: string, res: { status: number; headers: Headers; body: unknown }) {
    const response = doc.paths[path][method].responses[res.status];
    expect(response, `${method} ${path} answers ${res.status}, which the document does not list`).toBeDefined();
    const media = (res.headers.get("content-type") ?? "").split(";")[0];
    const schema = response.content[media]?.schema;
    expect(schema, `${method} ${path} ${res.status} has no schema for ${media}`).toBeDefined();
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    const validate = ajv.compile({ ...schema, components: doc.components });
    expect(validate(res.body) ? [] : validate.errors).toEqual([]);
  }

  it("every operation's answers, success and problems alike", async () => {
    const metadata = { region: "eu", nested: { deep: [1, { x: null }], flag: true }, empty: {} };
    const reg = await api(url, "POST", "/api/v1/agents", card("oa-1", { provider: "acme", metadata }));
    expect(reg.status).toBe(201);
    expectMatches("/api/v1/agents", "post", reg);
    // The free-form metadata comes back whole: the serializer keeps what the schema leaves open.
    expect(reg.body.agent.metadata).toEqual(metadata);
    const token = reg.body.agent_token;
    const again = await api(url, "POST", "/api/v1/agents", card("oa-1", { metadata }), token);
    expect(again.status).toBe(200);
    expectMatches("/api/v1/agents", "post", again);
    expect(again.body).toEqual({ agent: expect.objectContaining({ id: "oa-1", metadata }) });

    const reporter = await api(url, "POST", "/api/v1/agents", card("oa-2"));
    const list = await api(url, "GET", "/api/v1/agents?limit=10");
    expectMatches("/api/v1/agents", "get", list);
    expect(list.body.agents.find((a: any) => a.id === "oa-1").metadata).toEqual(metadata);

    expectMatches("/api/v1/agents/{id}", "get", await api(url, "GET", "/api/v1/agents/oa-1"));
    expectMatches("/api/v1/agents/{id}", "patch", await api(url, "PATCH", "/api/v1/agents/oa-1", { provider: null, metadata: null }, token));
    const beat = await api(url, "POST", "/api/v1/agents/oa-1/heartbeat", { status: "degraded", message: "busy" }, token);
    expectMatches("/api/v1/agents/{id}/heartbeat", "post", beat);
    const report = await api(url, "POST", "/api/v1/agents/oa-1/reports", { outcome: "success", latency_ms: 12 }, reporter.body.agent_token);
    expect(report.status).toBe(202);
    expectMatches("/api/v1/agents/{id}/reports", "post", report);
    expectMatches("/api/v1/agents/{id}/trust", "get", await api(url, "GET", "/api/v1/agents/oa-1/trust"));
    const health = await api(url, "GET", "/api/v1/agents/oa-1/health");
    expectMatches("/api/v1/agents/{id}/health", "get", health);
    expect(health.body.history[0]).toMatchObject({ status: "degraded", message: "busy" });
    const history = await api(url, "GET", "/api/v1/events/history");
    expectMatches("/api/v1/events/history", "get", history);
    expect(new Set(history.body.events.map((e: any) => e.type))).toEqual(new Set(["agent_registered", "agent_updated", "agent_health_changed", "trust_score_changed"]));
    expectMatches("/api/v1/stats", "get", await api(url, "GET", "/api/v1/stats"));
    expectMatches("/api/v1/session", "get", await api(url, "GET", "/api/v1/session"));
    expectMatches("/healthz", "get", await api(url, "GET", "/healthz"));
    expectMatches("/readyz", "get", await api(url, "GET", "/readyz"));

    // Problems: each under a status the operation lists, with a code its schema allows.
    expectMatches("/api/v1/agents/{id}", "get", await api(url, "GET", "/api/v1/agents/nobody"));
    expectMatches("/api/v1/agents", "post", await api(url, "POST", "/api/v1/agents", { id: "bad id!" }));
    expectMatches("/api/v1/agents", "post", await api(url, "POST", "/api/v1/agents", card("oa-1")));
    expectMatches("/api/v1/agents/{id}", "patch", await api(url, "PATCH", "/api/v1/agents/oa-1", { name: "x" }));
    expectMatches("/api/v1/agents/{id}", "delete", await api(url, "DELETE", "/api/v1/agents/oa-1", undefined, reporter.body.agent_token));
    expectMatches("/api/v1/agents/{id}/reports", "post", await api(url, "POST", "/api/v1/agents/oa-2/reports", { outcome: "success" }, reporter.body.agent_token));
    expectMatches("/api/v1/events", "get", await api(url, "GET", "/api/v1/events", undefined, undefined, { "last-event-id": "x" }));

    const gone = await api(url, "DELETE", "/api/v1/agents/oa-1", undefined, ADMIN);
    expect(gone.status).toBe(204);
    expect(gone.body).toBeUndefined();
    expect(gone.headers.get("content-length") ?? "0").toBe("0");
  });
});

describe("problem metrics", () => {
  const count = async (code: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`agentmesh_http_problems_total{code="${code}"}`));
    return line ? Number(line.split(" ").pop()) : 0;
  };

  it("counts each problem answer once, by its code, whichever path sent it", async () => {
    const before = { notFound: await count("agent_not_found"), validation: await count("validation_failed"), route: await count("not_found"), method: await count("method_not_allowed") };
    await api(url, "GET", "/api/v1/agents/nobody-here");
    await api(url, "GET", "/api/v1/agents/nobody-here");
    await api(url, "GET", "/api/v1/agents?limit=0");
    await api(url, "GET", "/api/v1/no-such-route");
    await api(url, "PUT", "/api/v1/agents");
    expect(await count("agent_not_found")).toBe(before.notFound + 2);
    expect(await count("validation_failed")).toBe(before.validation + 1);
    expect(await count("not_found")).toBe(before.route + 1);
    expect(await count("method_not_allowed")).toBe(before.method + 1);
  });
});
