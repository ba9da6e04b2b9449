/**
 * The store contract on the real PostgreSQL (each test in a fresh schema), plus
 * what only PostgreSQL has: concurrent migrations, stores in other schemas
 * that must not see each other, LISTEN/NOTIFY wake-ups (also after the
 * connection is killed), and connection failures answered as 503.
 */
import { describe, expect, it } from "vitest";
import { createSchema, sql } from "../../../test/scale/pg.js";
import { AppError } from "../errors.js";
import { runStoreContract } from "./contract.js";
import { agent, ev } from "./contract-fixtures.js";
import { openPostgresStore } from "./postgres.js";

const open = async (url: string) => {
  const store = await openPostgresStore(url, { poolSize: 4 });
  await store.migrate();
  return store;
};

runStoreContract("postgres", async () => {
  const schema = await createSchema();
  const store = await open(schema.url);
  return {
    store,
    reopen: () => open(schema.url),
    async cleanup() {
      await store.close();
      await schema.drop();
    },
  };
});
