/**
 * A subscriber as a client behind a load balancer sees the cluster: one SSE
 * stream at a time; when it ends (instance killed, restarted), it reconnects to
 * the next instance with `Last-Event-ID` set to the last id it received.
 * Every frame is kept, in arrival order, so tests can check for gaps,
 * duplicates and order.
 */
import { request, type ClientRequest, type IncomingMessage } from "node:http";

export interface Received {
  id: number;
  type: string;
  agent_id: string;
  data: Record<string, unknown>;
  /** Which instance delivered it. */
  via: string;
}

export class FailoverSubscriber {
  readonly events: Received[] = [];
  /** Control frames that must never appear in these tests (a resume that failed). */
  readonly resets: unknown[] = [];
  /** Instances it was connected to, in order. */
  readonly connections: string[] = [];
  private current = 0;
  private req: ClientRequest | null = null;
  private res: IncomingMessage | null = null;
  private closed = false;
  private lastId: number | undefined;
  private opened!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.opened = resolve));

  /** `urls`: instances in failover order; `from`: resume point of the first connection (e.g. 0 for everything). */
  constructor(
    private readonly urls: string[],
    from?: number,
  ) {
    this.lastId = from;
    this.connect();
  }

  get via(): string {
    return this.urls[this.current];
  }

  get lastEventId(): number {
    return this.lastId ?? 0;
  }

  private connect(): void {
    if (this.closed) return;
    const base = this.urls[this.current];
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (this.lastId !== undefined) headers["last-event-id"] = String(this.lastId);
    let buffer = "";
    let frame: { id?: string; event?: string; data: string[] } = { data: [] };
    const req = request(`${base}/api/v1/events`, { headers }, (res) => {
      this.res = res;
      if (res.statusCode !== 200) {
        res.resume();
        return;
      }
      this.connections.push(base);
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        buffer += text;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === "") {
            if (frame.data.length) this.dispatch(frame, base);
            frame = { data: [] };
          } else if (line.startsWith(":")) {
            if (line.includes("connected")) this.opened();
          } else {
            const i = line.indexOf(":");
            const field = line.slice(0, i);
            const value = line.slice(i + 1).replace(/^ /, "");
            if (field === "data") frame.data.push(value);
            else if (field === "id") frame.id = value;
            else if (field === "event") frame.event = value;
          }
        }
      });
    });
    req.on("error", () => {});
    req.on("close", () => this.failover());
    req.end();
    this.req = req;
  }

  private dispatch(frame: { id?: string; event?: string; data: string[] }, via: string): void {
    const data = JSON.parse(frame.data.join("\n")) as Record<string, unknown>;
    if (frame.event === "reset") {
      this.resets.push(data);
      return;
    }
    const id = Number(frame.id);
    this.events.push({ id, type: String(frame.event), agent_id: String(data.agent_id), data, via });
    this.lastId = id;
  }

  private failover(): void {
    this.req = this.res = null;
    if (this.closed) return;
    this.current = (this.current + 1) % this.urls.length;
    setTimeout(() => this.connect(), 50).unref();
  }

  /** Ids received, in arrival order. */
  ids(): number[] {
    return this.events.map((e) => e.id);
  }

  close(): void {
    this.closed = true;
    this.res?.destroy();
    this.req?.destroy();
  }
}
