/**
 * The LISTEN connection of an instance is killed on the database side
 * (`pg_terminate_backend`): the instance opens a new one by itself, catches up
 * on what was written meanwhile, and its subscribers keep receiving every
 * event written through the other instance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card, waitFor } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "./cluster.js";
import { createSchema, sql, type TestSchema } from "./pg.js";
import { FailoverSubscriber } from "./sse.js";

const listener = (pid: number) => sql<{ pid: number }>("select pid from pg_stat_activity where application_name = $1 and query like 'LISTEN %'", [`agentmesh:listen:${pid}`]);

describe("the LISTEN connection dropped by the database", () => {
  let schema: TestSchema;
  let nodes: Instance[] = [];
  let sub: FailoverSubscriber | undefined;

  beforeAll(async () => {
    schema = await createSchema();
    nodes = await startCluster(2, schema.url);
  }, 60_000);

  afterAll(async () => {
    sub?.close();
    await stopAll(nodes);
    await schema?.drop();
  });

  it("is re-established by itself and events written elsewhere still arrive", async () => {
    const [writer, reader] = nodes;
    sub = new FailoverSubscriber([reader.url], 0);
    await sub.ready;
    const register = async (id: string) => expect((await api(writer.url, "POST", "/api/v1/agents", card(id))).status).toBe(201);

    await register("before");
    await waitFor(() => sub!.events.length === 1, "the first event on the other instance");

    const [old] = await waitFor(async () => {
      const rows = await listener(reader.pid);
      return rows.length === 1 && rows;
    }, "the reader's LISTEN connection");
    await sql("select pg_terminate_backend($1)", [old.pid]);
    for (let i = 0; i < 5; i++) await register(`during-${i}`);

    const [fresh] = await waitFor(async () => {
      const rows = await listener(reader.pid);
      return rows.length === 1 && rows[0].pid !== old.pid && rows;
    }, "a new LISTEN connection");
    expect(fresh.pid).not.toBe(old.pid);
    for (let i = 0; i < 5; i++) await register(`after-${i}`);

    await waitFor(() => sub!.events.length >= 11, "all eleven events on the reader's subscriber");
    expect(sub.ids()).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(sub.events.map((e) => e.agent_id)).toEqual(["before", ...[0, 1, 2, 3, 4].map((i) => `during-${i}`), ...[0, 1, 2, 3, 4].map((i) => `after-${i}`)]);
  });
});
