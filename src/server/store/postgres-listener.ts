/**
 * The LISTEN connection: one dedicated client (outside the pool) that wakes
 * the tailer whenever any instance commits events.
 *
 * A notification carries nothing that matters; the event log is the truth. So
 * a lost connection loses nothing: the listener reconnects by itself (backoff
 * with jitter, forever, until closed), and after every (re)connection it wakes
 * the tailer once, which reads whatever was committed while nobody listened.
 * A periodic probe catches a connection that died silently (no FIN/RST).
 */
import pg from "pg";

export interface ListenerOptions {
  /** Client config for the dedicated connection. */
  client: pg.ClientConfig;
  channel: string;
  wake: () => void;
  /** Told about connection losses and recoveries (for logs). */
  onState?: (state: "connected" | "lost", err?: unknown) => void;
  /** Probe interval of the idle connection (default 15s). */
  probeMs?: number;
}

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;

/** `LISTEN "chan"`: the channel is quoted as an identifier. */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class PgListener {
  private client: pg.Client | null = null;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;

  constructor(private readonly opts: ListenerOptions) {}

  /** Connects once; if that fails, keeps retrying in the background. Resolves either way. */
  async start(): Promise<void> {
    await this.connect();
    this.probeTimer = setInterval(() => void this.probe(), this.opts.probeMs ?? 15_000);
    this.probeTimer.unref();
  }

  get connected(): boolean {
    return this.client !== null;
  }

  private connect(): Promise<void> {
    this.connecting ??= this.tryConnect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async tryConnect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(this.opts.client);
    let failed = false;
    const lost = (err?: unknown) => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = null;
      client.removeAllListeners("notification");
      client.end().catch(() => {});
      if (this.closed) return;
      this.opts.onState?.("lost", err);
      this.scheduleRetry();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      client.on("notification", () => this.opts.wake());
      await client.query(`LISTEN ${quoteIdent(this.opts.channel)}`);
    } catch (err) {
      lost(err);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.attempt = 0;
    this.opts.onState?.("connected");
    // Whatever was committed while nobody listened is read now.
    this.opts.wake();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, base * (0.5 + Math.random()));
    this.retryTimer.unref();
  }

  private async probe(): Promise<void> {
    const client = this.client;
    if (!client || this.closed) return;
    try {
      // LISTEN again rather than `select 1`: a no-op for a channel already listened to, and
      // pg_stat_activity goes on showing the connection for what it is (operators and tests look for it there).
      await client.query({ text: `LISTEN ${quoteIdent(this.opts.channel)}`, query_timeout: 5000 } as pg.QueryConfig);
    } catch (err) {
      // Force the socket down; the "end"/"error" handler reconnects.
      client.emit("error", err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.retryTimer = this.probeTimer = null;
    await this.connecting;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
