/**
 * Shared by the abuse tests: a real server on either store (a temporary SQLite
 * file, or a private schema of the real PostgreSQL), and a request whose
 * headers go on the wire exactly as written (fetch would tidy them).
 */
import { request as httpRequest } from "node:http";
import type { ConfigInput } from "../../src/server/config.js";
import { startTestServer, type TestServer } from "../helpers.js";
import { createSchema } from "../scale/pg.js";

export type StoreKind = "sqlite" | "postgres";
export const STORES: StoreKind[] = ["sqlite", "postgres"];

export interface AbuseServer extends TestServer {
  kind: StoreKind;
  /** The PostgreSQL schema holding this server's data (postgres only). */
  pgSchema?: string;
  /** Another server on the same data (a restart when this one is closed, or a second instance), with other settings. */
  sibling(overrides?: ConfigInput): Promise<TestServer>;
}

export async function startOn(kind: StoreKind, overrides: ConfigInput = {}): Promise<AbuseServer> {
  if (kind === "sqlite") {
    const server = await startTestServer(overrides);
    return Object.assign(server, { kind, sibling: (more: ConfigInput = {}) => startTestServer({ ...overrides, ...more, database: `sqlite:${server.dbFile}` }) });
  }
  const schema = await createSchema();
  const server = await startTestServer({ database: schema.url, ...overrides });
  const destroy = server.destroy.bind(server);
  return Object.assign(server, {
    kind,
    pgSchema: schema.schema,
    sibling: (more: ConfigInput = {}) => startTestServer({ ...overrides, ...more, database: schema.url }),
    async destroy() {
      await destroy();
      await schema.drop();
    },
  });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A JSON body is stringified; `{ raw }` goes on the wire as it is (malformed JSON, odd bytes). */
export type Body = unknown | { raw: string };

/**
 * One request with its path exactly as written: fetch (and node:http given a
 * URL) would resolve `%2E%2E` segments away, which some abuse cases must send.
 */
export function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Body): Promise<RawAnswer> {
  const raw = body !== null && typeof body === "object" && "raw" in body && typeof (body as { raw: unknown }).raw === "string";
  const payload = body === undefined ? undefined : raw ? (body as { raw: string }).raw : JSON.stringify(body);
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, path, method, headers: { ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}), ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
