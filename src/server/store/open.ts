/**
 * Opens the store named by `--database`: `sqlite:<file>` or a `postgres://` URL.
 */
import { resolve } from "node:path";
import type { Config } from "../config.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

export async function openStore(config: Pick<Config, "database" | "dbPoolSize">): Promise<Store> {
  if (config.database.startsWith("sqlite:")) {
    const path = config.database.slice("sqlite:".length);
    return openSqliteStore(path === ":memory:" ? path : resolve(path));
  }
  const { openPostgresStore } = await import("./postgres.js");
  return openPostgresStore(config.database, { poolSize: config.dbPoolSize });
}
