/**
 * The real PostgreSQL the tests use (127.0.0.1:5432, database `test`, trust
 * auth; override with AGENTMESH_TEST_DATABASE_URL). Every test run works in a
 * fresh schema of its own, dropped afterwards, so runs never collide; schemas
 * left behind by a killed run are dropped after an hour.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_URL = process.env.AGENTMESH_TEST_DATABASE_URL ?? `postgres://${process.env.PGUSER ?? "postgres"}@127.0.0.1:5432/test`;

const PREFIX = "am_test_";

const pools = new Map<string, pg.Pool>();

/** One statement, on a small per-process pool that lets the process exit when idle. */
export async function sql<R extends pg.QueryResultRow = any>(text: string, values: unknown[] = [], url = PG_URL): Promise<R[]> {
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000, idleTimeoutMillis: 1000, allowExitOnIdle: true });
    pool.on("error", () => {});
    pools.set(url, pool);
  }
  return (await pool.query<R>(text, values)).rows;
}

/** `url` with its search_path set to `schema` (how a user points AgentMesh at a schema, too). */
export function urlWithSchema(schema: string, url = PG_URL): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

export interface TestSchema {
  schema: string;
  /** The database URL with this schema as search_path. */
  url: string;
  drop(): Promise<void>;
}

let swept: Promise<void> | null = null;

async function sweepStale(url: string, now: number): Promise<void> {
  const stale = await sql<{ nspname: string }>("select nspname from pg_namespace where nspname like $1", [`${PREFIX}%`], url);
  for (const { nspname } of stale) {
    const born = Number(nspname.slice(PREFIX.length).split("_")[0]);
    if (born < now - 3600) await sql(`drop schema if exists "${nspname}" cascade`, [], url).catch(() => {});
  }
}

export async function createSchema(url = PG_URL): Promise<TestSchema> {
  const now = Math.floor(Date.now() / 1000);
  const schema = `${PREFIX}${now}_${randomBytes(4).toString("hex")}`;
  swept ??= sweepStale(url, now);
  await swept;
  await sql(`create schema "${schema}"`, [], url);
  return {
    schema,
    url: urlWithSchema(schema, url),
    drop: () => sql(`drop schema if exists "${schema}" cascade`, [], url).then(() => {}),
  };
}
