/**
 * What a client generator makes of /openapi.json: `openapi-typescript` turns
 * the document into types, and a small `openapi-fetch` client written against
 * them must type-check — registering (reading `agent_token`), listing
 * (`total`, `cursor`), branching on a problem's `code` — while wrong reads must
 * not (a document whose answers were `never` or untyped would let them pass or
 * fail the other way).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api, startTestServer, type TestServer } from "../helpers.js";

let server: TestServer;
let dir: string;
let schemaFile: string;

beforeAll(async () => {
  server = await startTestServer();
  const doc = (await api(server.url, "GET", "/openapi.json")).body;
  dir = mkdtempSync(join(tmpdir(), "agentmesh-openapi-client-"));
  schemaFile = join(dir, "schema.d.ts");
  writeFileSync(schemaFile, astToString(await openapiTS(doc)));
});
afterAll(async () => {
  await server?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const require = createRequire(import.meta.url);
const openapiFetchTypes = join(dirname(require.resolve("openapi-fetch")), "index.d.mts");

let previous: ts.Program | undefined;

/** Type-checks one client file beside the generated schema; returns the compiler's messages. */
function typeCheck(name: string, source: string): string[] {
  const file = join(dir, name);
  writeFileSync(file, source);
  const program = ts.createProgram([file, schemaFile], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    paths: { "openapi-fetch": [openapiFetchTypes] },
  }, undefined, previous);
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

const preamble = `
import createClient from "openapi-fetch";
import type { paths } from "./schema";
const client = createClient<paths>({ baseUrl: "http://registry.invalid" });
const card = { id: "a1", name: "A", version: "1", description: "d", endpoint: "http://agent.invalid", protocol: "http" as const };
`;

it("a client that registers, lists and reads the typed answers compiles", () => {
  const errors = typeCheck(
    "client.ts",
    `${preamble}
export async function run(): Promise<string> {
  const registered = await client.POST("/api/v1/agents", { body: card });
  if (registered.error) {
    const code: "validation_failed" | "malformed_json" | "payload_too_large" | "unsupported_media_type" | "unauthorized" | "forbidden" | "agent_id_taken" | "conflict" | "duplicate_skill" | "metadata_too_large" | "rate_limited" | "internal" | "store_unavailable" = registered.error.code;
    return code;
  }
  const token: string | undefined = registered.data.agent_token;
  const revision: number = registered.data.agent.revision;
  const list = await client.GET("/api/v1/agents", { params: { query: { health: "healthy", limit: 10, sort: "trust_score" } } });
  if (!list.data) return list.error.detail;
  const total: number = list.data.total;
  const cursor: number = list.data.cursor;
  const names: string[] = list.data.agents.map((a) => a.name);
  const beat = await client.POST("/api/v1/agents/{id}/heartbeat", { params: { path: { id: "a1" } }, body: { status: "degraded" }, headers: { authorization: \`Bearer \${token}\` } });
  const due: string | undefined = beat.data?.next_heartbeat_at;
  await client.DELETE("/api/v1/agents/{id}", { params: { path: { id: "a1" } } });
  return [token, revision, total, cursor, names.join(), due].join(" ");
}
`,
  );
  expect(errors).toEqual([]);
});

it("wrong reads and wrong requests do not compile", () => {
  // Each with a fragment of the message it must fail with (not some unrelated error).
  const cases: Record<string, [string, string]> = {
    "a misspelled token": [`const r = await client.POST("/api/v1/agents", { body: card }); if (r.data) r.data.agent_tokn;`, "agent_tokn"],
    "total as a string": [`const r = await client.GET("/api/v1/agents"); if (r.data) { const t: string = r.data.total; }`, "'number' is not assignable to type 'string'"],
    "an unknown health filter": [`await client.GET("/api/v1/agents", { params: { query: { health: "sleepy" } } });`, '"sleepy"'],
    "a card without its endpoint": [`await client.POST("/api/v1/agents", { body: { id: "a", name: "A", version: "1", description: "d", protocol: "http" } });`, "endpoint"],
    "a problem code that is not this operation's": [
      `const r = await client.GET("/api/v1/agents/{id}", { params: { path: { id: "a" } } }); if (r.error) { const c: "agent_id_taken" = r.error.code; }`,
      '"agent_id_taken"',
    ],
  };
  for (const [what, [body, fragment]] of Object.entries(cases)) {
    const errors = typeCheck(`wrong-${what.replaceAll(" ", "-").replaceAll("'", "")}.ts`, `${preamble}\nexport async function run() {\n${body}\n}\n`);
    expect(errors.join("\n"), `${what} compiled`).toContain(fragment);
  }
});
