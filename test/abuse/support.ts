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

export function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<RawAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method, headers: { ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}), ...headers } },
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
