/**
 * PostgreSQL store: not built yet (see the scale-out issue).
 */
import type { Store } from "./store.js";

export async function openPostgresStore(_url: string, _options: { poolSize: number }): Promise<Store> {
  throw new Error("the PostgreSQL store is not available in this build; use --database sqlite:<file>");
}
