/**
 * The store contract on a real SQLite file (WAL) in a temporary directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runStoreContract } from "./contract.js";
import { openSqliteStore } from "./sqlite.js";

runStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agentmesh-store-"));
  const open = async () => {
    const store = await openSqliteStore(join(dir, "agentmesh.db"));
    await store.migrate();
    return store;
  };
  const store = await open();
  return {
    store,
    reopen: open,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
