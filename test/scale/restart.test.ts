/**
 * The database itself goes away (a crash: `pg_ctl stop -m immediate`) and
 * comes back, on a private PostgreSQL server. While it is down `/readyz` says
 * not ready and writes are answered at once with a 503 `store_unavailable`
 * problem; once it is back every acknowledged write is there, the LISTEN
 * connections have come back by themselves, and subscribers have every event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card, waitFor } from "../helpers.js";
import { startCluster, stopAll, type Instance } from "./cluster.js";
import { sql } from "./pg.js";
import { PrivatePostgres } from "./private-pg.js";
import { FailoverSubscriber } from "./sse.js";

describe("PostgreSQL restarting under two instances", () => {
  let db: PrivatePostgres;
  let nodes: Instance[] = [];
  let sub: FailoverSubscriber | undefined;

  beforeAll(async () => {
    db = await PrivatePostgres.create();
    nodes = await startCluster(2, db.url);
  }, 60_000);

  afterAll(async () => {
    sub?.close();
    await stopAll(nodes);
    db?.destroy();
  });

  it("loses nothing acknowledged, reports not ready and fails writes fast while down, and recovers by itself", async () => {
    const [a, b] = nodes;
    sub = new FailoverSubscriber([b.url, a.url], 0);
    await sub.ready;
    const acknowledged: string[] = [];
    const failures: { status: number; code?: string }[] = [];
    let writing = true;
    const writer = async (k: number) => {
      for (let n = 0; writing; n++) {
        const id = `r${k}-${n}`;
        const r = await api(nodes[(k + n) % 2].url, "POST", "/api/v1/agents", card(id)).catch(() => null);
        if (r?.status === 201) acknowledged.push(id);
        else if (r) failures.push({ status: r.status, code: r.body?.code });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const writers = Promise.all([0, 1, 2].map(writer));
    await waitFor(() => acknowledged.length >= 20, "writes before the crash");

    db.stop("immediate");
    const ready = await waitFor(async () => {
      const r = await api(a.url, "GET", "/readyz");
      return r.status !== 200 && r;
    }, "/readyz to say not ready");
    expect(ready.status).toBe(503);
    expect(ready.body.code).toBe("store_unavailable");
    const write = await api(b.url, "POST", "/api/v1/agents", card("while-down"));
    expect(write.status).toBe(503);
    expect(write.body.code).toBe("store_unavailable");
    expect(write.headers.get("retry-after")).toBe("1");
    await waitFor(() => failures.length >= 5, "the writers to see failures");

    const beforeRestart = acknowledged.length;
    db.start();
    for (const node of nodes) await waitFor(async () => (await api(node.url, "GET", "/readyz")).status === 200, "ready again", 20_000);
    await waitFor(() => acknowledged.length >= beforeRestart + 20, "writes after the restart", 20_000);
    writing = false;
    await writers;

    expect(failures.every((f) => f.status === 503 && f.code === "store_unavailable")).toBe(true);
    for (const id of acknowledged) {
      expect((await api(a.url, "GET", `/api/v1/agents/${id}`)).status, `acknowledged agent ${id}`).toBe(200);
    }
    // Both instances listen again (a new connection each, opened by the instance itself).
    for (const node of nodes) {
      await waitFor(async () => (await sql("select 1 from pg_stat_activity where application_name = $1 and query like 'LISTEN %'", [`agentmesh:listen:${node.pid}`], db.url)).length === 1, `instance ${node.pid} listening again`);
    }
    const last = (await api(a.url, "GET", "/api/v1/stats")).body.events.last_id as number;
    await waitFor(() => sub!.events.length >= last, `the subscriber to reach event ${last}`, 20_000);
    expect(sub.ids()).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(sub.resets).toEqual([]);
    const streamed = new Set(sub.events.map((e) => e.agent_id));
    expect(acknowledged.filter((id) => !streamed.has(id))).toEqual([]);
  });
});
