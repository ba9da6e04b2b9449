/**
 * Connection settings for the PostgreSQL store: what every connection of the
 * pool (and the LISTEN connection) is opened with.
 *
 * The defaults make failures fast and bounded rather than hanging: a connect
 * (or a wait for a free pooled connection) gives up after 3s, a statement
 * after 10s on the server and 12s on the client (a server that vanished
 * without closing the socket), and a session idle inside a transaction for 5s
 * is ended by the server so a frozen process cannot hold the event-id lock.
 * Anything set in the URL (`?statement_timeout=…`, `?application_name=…`,
 * `?options=-c search_path=…`) wins over these defaults.
 */
import pg from "pg";

export interface PostgresStoreOptions {
  /** Pooled connections per instance (`--db-pool-size`, default 10). */
  poolSize: number;
  /** Use this schema (search_path) instead of the URL's or the server's default. It must exist. */
  schema?: string;
  /** Connect / pool-checkout timeout in ms (default 3000). */
  connectTimeoutMs?: number;
  /** Server-side statement timeout in ms (default 10000). */
  statementTimeoutMs?: number;
  /** Told when the LISTEN connection is lost and back (for logs). */
  onListenerState?: (state: "connected" | "lost", err?: unknown) => void;
}

const INT8_OID = 20;

/** bigint columns (ids, epoch-ms times, counts) as JS numbers: every value we store is below 2^53. */
export const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/** The URL with `schema` added to its `options` as `-c search_path=<schema>`. */
export function withSchema(url: string, schema: string | undefined): string {
  if (!schema) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error("--database is not a valid postgres:// URL");
  }
  const options = [u.searchParams.get("options"), `-c search_path=${schema}`].filter(Boolean).join(" ");
  u.searchParams.set("options", options);
  return u.toString();
}

/** A `statement_timeout` given in the URL (it wins over ours), so the client-side timeout can follow it. */
function urlStatementTimeout(url: string): number | undefined {
  try {
    const ms = Number(new URL(url).searchParams.get("statement_timeout") ?? NaN);
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

export function clientConfig(url: string, options: PostgresStoreOptions, role: string): pg.ClientConfig {
  const statementTimeout = urlStatementTimeout(url) ?? options.statementTimeoutMs ?? 10_000;
  return {
    connectionString: withSchema(url, options.schema),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 2000,
    idle_in_transaction_session_timeout: 5000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: `agentmesh:${role}:${process.pid}`,
    types: TYPES,
  };
}

/** The notification channel: one per schema, so stores in different schemas of one database do not wake each other. */
export function channelFor(schema: string): string {
  let name = schema === "public" ? "agentmesh_events" : `agentmesh_events:${schema}`;
  while (Buffer.byteLength(name) > 63) name = name.slice(0, -1);
  return name;
}
