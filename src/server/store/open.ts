/**
 * Opens the store named by `--database`: `sqlite:<file>` or a `postgres://`
 * URL, guarded (guarded.ts): unavailability is a 503 `store_unavailable`, told
 * in the log once per outage (outage.ts).
 */
import { resolve } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { guardStore } from "./guarded.js";
import { Outage } from "./outage.js";
import { openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";
import { isSqliteUnavailable, sqliteReason } from "./sqlite-errors.js";
import type { Store } from "./store.js";

export interface OpenOptions {
  /** Extra SQLite options (tests: `onOpen` to cap the file). */
  sqlite?: Pick<SqliteStoreOptions, "onOpen">;
}

export async function openStore(config: Pick<Config, "database" | "dbPoolSize">, logger?: Pick<Logger, "info" | "warn" | "debug">, options: OpenOptions = {}): Promise<Store> {
  if (config.database.startsWith("sqlite:")) {
    const path = config.database.slice("sqlite:".length);
    const store = await openSqliteStore(path === ":memory:" ? path : resolve(path), {
      ...options.sqlite,
      checkpoint: { onWarning: (message, err) => logger?.warn({ err }, message) },
    });
    return guardStore(store, {
      outage: new Outage({ store: "sqlite", logger }),
      recoversOn: "writes",
      toUnavailable: (err) => (isSqliteUnavailable(err) ? Object.assign(new AppError("store_unavailable", `${sqliteReason(err)}; retry shortly`), { cause: err }) : null),
    });
  }
  const { openPostgresStore } = await import("./postgres.js");
  // The LISTEN connection going away is the outage too (told once with the rest); its own comings and goings are debug detail.
  const outage = new Outage({ store: "postgres", logger });
  const store = await openPostgresStore(config.database, {
    poolSize: config.dbPoolSize,
    onListenerState: (state, err) => {
      logger?.debug?.({ err }, state === "lost" ? "lost the database notification connection; reconnecting" : "listening for database notifications");
      if (state === "lost") outage.failed(err ?? new Error("the notification connection ended"));
      else outage.succeeded();
    },
  });
  // PostgreSQL's own errors are mapped inside the store (postgres-errors.ts).
  return guardStore(store, { outage, recoversOn: "any", toUnavailable: () => null });
}
