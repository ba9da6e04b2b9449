/**
 * Mixed load for the fault tests: writers (registrations, then a heartbeat
 * with the new agent's token), list readers and SSE subscribers, spread over
 * the instances; and what the instances logged about outages.
 */
import { api, card } from "../helpers.js";
import type { Instance } from "../scale/cluster.js";
import { FailoverSubscriber } from "../scale/sse.js";

export interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
}

export interface Load {
  /** Agents whose registration was answered 201. */
  registered: string[];
  /** Agents whose heartbeat was answered 200 (they were reported healthy). */
  heartbeated: string[];
  /** Every answer that was not a success, by writers and readers alike. */
  failures: Answer[];
  /** Successful list reads. */
  reads: number;
  subscribers: FailoverSubscriber[];
  /** Stops writers and readers (subscribers stay open) and waits for them. */
  stop(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startLoad(nodes: Instance[], opts: { prefix: string; writers: number; readers: number; streams: number }): Load {
  const load: Load = { registered: [], heartbeated: [], failures: [], reads: 0, subscribers: [], stop: async () => {} };
  let running = true;
  const failed = (r: { status: number; headers: Headers; body: any }) =>
    load.failures.push({ status: r.status, code: r.body?.code, retryAfter: r.headers.get("retry-after") });

  const writer = async (k: number) => {
    for (let n = 0; running; n++) {
      const node = nodes[(k + n) % nodes.length];
      const id = `${opts.prefix}${k}-${n}`;
      // A refused connection is not an answer: the instance must never refuse (it must not die).
      const r = await api(node.url, "POST", "/api/v1/agents", card(id));
      if (r.status !== 201) {
        failed(r);
        await pause(20);
        continue;
      }
      load.registered.push(id);
      const hb = await api(node.url, "POST", `/api/v1/agents/${id}/heartbeat`, undefined, r.body.agent_token);
      if (hb.status === 200) load.heartbeated.push(id);
      else failed(hb);
    }
  };
  const reader = async (k: number) => {
    for (let n = 0; running; n++) {
      const r = await api(nodes[(k + n) % nodes.length].url, "GET", "/api/v1/agents?limit=20&sort=updated_at&order=desc");
      if (r.status === 200) load.reads++;
      else {
        failed(r);
        await pause(20);
      }
    }
  };
  for (let i = 0; i < opts.streams; i++) load.subscribers.push(new FailoverSubscriber([nodes[i % nodes.length].url], 0));
  const tasks = Promise.all([...Array.from({ length: opts.writers }, (_, k) => writer(k)), ...Array.from({ length: opts.readers }, (_, k) => reader(k))]);
  tasks.catch(() => {}); // observed by stop()
  load.stop = async () => {
    running = false;
    await tasks;
  };
  return load;
}

/** The instance's log lines (pino JSON) with this message prefix. */
export function logLines(node: Instance, prefix: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of node.output) {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (typeof entry.msg === "string" && entry.msg.startsWith(prefix)) lines.push(entry);
    } catch {
      /* not a log line */
    }
  }
  return lines;
}

export const OUTAGE_START = "store unavailable";
export const OUTAGE_END = "store available again";
