/**
 * Test helpers: a real server on a temporary SQLite file, a byte-level SSE
 * reader that parses frames exactly as the WHATWG event-stream format says, and
 * condition waits (never timed assertions).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentCard } from "../src/shared/agent.js";
import { startServer, type RunningServer } from "../src/server/start.js";
import type { ConfigInput } from "../src/server/config.js";

export const ADMIN = "admin-token-0123456789abcdef";

export interface TestServer extends RunningServer {
  dir: string;
  dbFile: string;
  /** Closes the server and deletes its files. */
  destroy(): Promise<void>;
}

export function tempDir(prefix = "agentmesh-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(overrides: ConfigInput = {}, dir = tempDir()): Promise<TestServer> {
  const dbFile = join(dir, "agentmesh.db");
  const server = await startServer({
    port: 0,
    database: `sqlite:${dbFile}`,
    logLevel: "silent",
    rateLimit: "0",
    adminToken: ADMIN,
    webRoot: join(dir, "no-web"),
    ...overrides,
  });
  return Object.assign(server, {
    dir,
    dbFile,
    async destroy() {
      await server.close(50);
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export function card(id: string, extra: Partial<AgentCard> = {}): AgentCard {
  return {
    id,
    name: `Agent ${id}`,
    version: "1.0.0",
    description: `test agent ${id}`,
    endpoint: `http://127.0.0.1:9/${id}`,
    protocol: "http",
    skills: [{ name: "echo", description: "echoes" }],
    tags: ["test"],
    ...extra,
  };
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = any>(base: string, method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export async function register(base: string, id: string, extra: Partial<AgentCard> = {}): Promise<string> {
  const r = await api(base, "POST", "/api/v1/agents", card(id, extra));
  if (r.status !== 201) throw new Error(`register ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.agent_token as string;
}

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Frame {
  id?: string;
  event: string;
  data: string;
  retry?: number;
}

/**
 * A raw SSE client: one HTTP request, the body decoded from the socket bytes,
 * frames parsed per the WHATWG event-stream rules (lines end in LF, CR or CRLF;
 * comments start with `:`; an empty line dispatches).
 */
export class RawStream {
  readonly frames: Frame[] = [];
  readonly comments: string[] = [];
  retries: number[] = [];
  bytes = "";
  status = 0;
  headers: IncomingMessage["headers"] = {};
  ended = false;
  private res?: IncomingMessage;
  private buf = "";
  private current: Partial<Frame> & { data?: string[] } = {};
  private req;
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}, options: { pause?: boolean } = {}) {
    this.opened = new Promise((resolve, reject) => {
      this.req = httpRequest(url, { headers: { accept: "text/event-stream", ...headers } }, (res) => {
        this.res = res;
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding("utf8");
        if (options.pause) res.pause();
        else res.on("data", (chunk: string) => this.feed(chunk));
        res.on("end", () => (this.ended = true));
        res.on("close", () => (this.ended = true));
        resolve();
      });
      this.req.on("error", (err) => {
        this.ended = true;
        reject(err);
      });
      this.req.end();
    });
    this.opened.catch(() => {});
  }

  private feed(text: string) {
    this.bytes += text;
    this.buf += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      if (m[0] === "\r" && m.index === this.buf.length - 1) break; // maybe CRLF split across chunks
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  private line(line: string) {
    if (line === "") {
      if (this.current.data !== undefined) {
        this.frames.push({ id: this.current.id, event: this.current.event ?? "message", data: this.current.data.join("\n") });
      }
      this.current = {};
      return;
    }
    if (line.startsWith(":")) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") (this.current.data ??= []).push(value);
    else if (field === "event") this.current.event = value;
    else if (field === "id") this.current.id = value;
    else if (field === "retry") this.retries.push(Number(value));
  }

  /** Registry events received (frames other than `reset`), parsed. */
  events(): any[] {
    return this.frames.filter((f) => f.event !== "reset").map((f) => ({ id: Number(f.id), ...JSON.parse(f.data) }));
  }

  close() {
    this.res?.destroy();
    this.req?.destroy();
  }
}

export async function openStream(base: string, query = "", headers: Record<string, string> = {}): Promise<RawStream> {
  const s = new RawStream(`${base}/api/v1/events${query}`, headers);
  await s.opened;
  await waitFor(() => s.comments.includes("connected") || s.ended, "the stream to open");
  return s;
}
