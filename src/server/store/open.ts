/**
 * Opens the store named by `--database`: `sqlite:<file>` or a `postgres://` URL.
 */
import { resolve } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

export async function openStore(config: Pick<Config, "database" | "dbPoolSize">, logger?: Pick<Logger, "info" | "warn">): Promise<Store> {
  if (config.database.startsWith("sqlite:")) {
    const path = config.database.slice("sqlite:".length);
    return openSqliteStore(path === ":memory:" ? path : resolve(path), {
      checkpoint: { onWarning: (message, err) => logger?.warn({ err }, message) },
    });
  }
  const { openPostgresStore } = await import("./postgres.js");
  // Logged on changes only: while the database is away, every failed reconnect says "lost" again.
  let listening: boolean | null = null;
  return openPostgresStore(config.database, {
    poolSize: config.dbPoolSize,
    onListenerState: (state, err) => {
      if (state === "lost" && listening !== false) {
        logger?.warn({ err }, "lost the database notification connection; reconnecting (events are caught up from the log)");
      } else if (state === "connected" && listening !== true) {
        logger?.info("listening for database notifications");
      }
      listening = state === "connected";
    },
  });
}
