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

describe("postgres store: several instances on one database", () => {
  it("instances starting at once apply each migration exactly once", async () => {
    const schema = await createSchema();
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore(schema.url, { poolSize: 2 })));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const applied = await sql(`select name from "${schema.schema}".kysely_migration`);
      expect(applied.map((r) => r.name)).toEqual(["0001_initial", "0002_sessions", "0003_trust_standing", "0005_probes", "0006_a2a_cards", "0008_event_prior", "0009_probe_health", "0010_dashboard_indexes"]);
      expect(await sql(`select one, last_id from "${schema.schema}".event_counter`)).toEqual([{ one: 1, last_id: "0" }]);
      const r = await stores[3].commit({ mutation: { op: "insert", row: agent("a") }, events: [ev("agent_registered", "a")] });
      expect(r.ok && r.events[0].id).toBe(1);
      expect((await stores[5].getAgent("a"))?.id).toBe("a");
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await schema.drop();
    }
  });

  it("writers racing through different stores: exactly one wins, and ids stay gapless and contiguous per commit", async () => {
    const schema = await createSchema();
    const stores = await Promise.all([0, 1, 2].map(() => open(schema.url)));
    try {
      const row = agent("race");
      await stores[0].commit({ mutation: { op: "insert", row }, events: [ev("agent_registered", "race")] });
      const racers = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          stores[i % 3].commit({ mutation: { op: "update", row: { ...row, name: `w${i}`, revision: 2 }, expect: { revision: 1, lastHeartbeatAt: null } }, events: [ev("agent_updated", "race")] }),
        ),
      );
      expect(racers.filter((r) => r.ok)).toHaveLength(1);
      const commits = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          stores[i % 3].commit({ mutation: { op: "insert", row: agent(`m${i}`) }, events: Array.from({ length: 1 + (i % 4) }, () => ev("agent_registered", `m${i}`)) }),
        ),
      );
      const ids = commits.flatMap((c) => (c.ok ? c.events.map((e) => e.id) : []));
      for (const c of commits) if (c.ok) c.events.forEach((e, i) => expect(e.id).toBe(c.events[0].id + i));
      const last = 2 + commits.reduce((n, c) => n + (c.ok ? c.events.length : 0), 0);
      expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: last - 2 }, (_, i) => i + 3));
      expect((await stores[1].eventsAfter(0, 1000)).map((e) => e.id)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await schema.drop();
    }
  });

  it("stores in different schemas of one database see nothing of each other", async () => {
    const [one, two] = await Promise.all([createSchema(), createSchema()]);
    const [a, b] = await Promise.all([open(one.url), open(two.url)]);
    try {
      await a.commit({ mutation: { op: "insert", row: agent("only-in-one") }, events: [ev("agent_registered", "only-in-one")] });
      expect(await b.getAgent("only-in-one")).toBeUndefined();
      expect(await b.eventBounds()).toEqual({ oldest: null, last: 0 });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([one.drop(), two.drop()]);
    }
  });
});
