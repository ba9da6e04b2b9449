/**
 * Keyset paging on `GET /api/v1/agents` over real HTTP, SQLite and PostgreSQL
 * (issue 15 §4): reading every page while agents are registered, deleted,
 * renamed and re-scored returns each agent that existed throughout exactly
 * once, every page answers the first page's cursor, the last page answers no
 * token; a bad or foreign token is a 400 `invalid_continue`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { api, register, type TestServer } from "../helpers.js";
import { Deployment, type Kind } from "../events/support.js";

let deployment: Deployment | undefined;

afterEach(async () => {
  await deployment?.destroy();
  deployment = undefined;
});

interface Page {
  agents: { id: string }[];
  cursor: number;
  continue?: string;
}

async function page(s: TestServer, query: string): Promise<Page> {
  const r = await api<Page>(s.url, "GET", `/api/v1/agents?${query}`);
  if (r.status !== 200) throw new Error(`${query}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

describe.each(["sqlite", "postgres"] as const)("continue tokens (%s)", (kind: Kind) => {
  it("every agent that existed throughout appears exactly once while writes happen between and during pages", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start();
    const tokens = new Map<string, string>();
    const stable: string[] = [];
    const transient: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = `${i % 3 === 0 ? "t" : "s"}-${String(i).padStart(2, "0")}`;
      tokens.set(id, await register(s.url, id, { tags: ["fleet"] }));
      (id.startsWith("t") ? transient : stable).push(id);
    }
    // Beside the writes between pages, a writer runs concurrently with every page read: renames and health changes of agents that stay.
    let walking = true;
    let concurrent = 0;
    const writer = (async () => {
      for (let i = 0; walking; i++) {
        const id = stable[i % stable.length];
        await api(s.url, "PATCH", `/api/v1/agents/${id}`, { name: `${i % 2 ? "Z" : "0"} ${i}` }, tokens.get(id));
        await api(s.url, "POST", `/api/v1/agents/${id}/heartbeat`, { status: i % 3 ? "healthy" : "unhealthy" }, tokens.get(id));
        concurrent++;
      }
    })();
    for (const order of ["asc", "desc"]) {
      let fresh = 0;
      const seen: string[] = [];
      let p = await page(s, `sort=created_at&order=${order}&limit=4&tag=fleet`);
      const cursor = p.cursor;
      for (;;) {
        seen.push(...p.agents.map((a) => a.id));
        // Writes between pages: one transient agent leaves, a new one comes, a stable one is renamed and changes health.
        const gone = transient.shift();
        if (gone) expect((await api(s.url, "DELETE", `/api/v1/agents/${gone}`, undefined, tokens.get(gone))).status).toBe(204);
        const id = `n-${order}-${fresh++}`;
        tokens.set(id, await register(s.url, id, { tags: ["fleet"] }));
        transient.push(id);
        const renamed = stable[(fresh * 7) % stable.length];
        expect((await api(s.url, "PATCH", `/api/v1/agents/${renamed}`, { name: `A ${fresh}` }, tokens.get(renamed))).status).toBe(200);
        expect((await api(s.url, "POST", `/api/v1/agents/${renamed}/heartbeat`, { status: fresh % 2 ? "degraded" : "healthy" }, tokens.get(renamed))).status).toBe(200);
        if (!p.continue) break;
        // The token alone carries the selector and the order.
        p = await page(s, `continue=${p.continue}&limit=4`);
        expect(p.cursor).toBe(cursor);
      }
      expect(new Set(seen).size, `no agent twice (${order})`).toBe(seen.length);
      for (const id of stable) expect(seen, `${id} (${order})`).toContain(id);
      // Writes happened between most pages.
      expect(fresh).toBeGreaterThan(5);
    }
    walking = false;
    await writer;
    expect(concurrent).toBeGreaterThan(0);
  });

  it("the last page answers no token; a list by a mutable order pages by offset and answers none", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start();
    for (const id of ["a", "b", "c", "d"]) await register(s.url, id);
    const first = await page(s, "sort=created_at&order=asc&limit=2");
    expect(first.agents.map((a) => a.id)).toEqual(["a", "b"]);
    expect(first.continue).toEqual(expect.any(String));
    const second = await page(s, `continue=${first.continue}&limit=2&sort=created_at&order=asc`);
    expect(second.agents.map((a) => a.id)).toEqual(["c", "d"]);
    expect(second.continue).toBeUndefined();
    expect((await page(s, "sort=created_at&order=asc&limit=4")).continue).toBeUndefined();
    for (const sort of ["name", "trust_score", "updated_at"]) expect((await page(s, `sort=${sort}&limit=1`)).continue, sort).toBeUndefined();
    expect((await page(s, "limit=1")).continue).toBeUndefined();
    // Offset paging stays as it was.
    expect((await page(s, "sort=name&limit=2&offset=1")).agents.map((a) => a.id)).toEqual(["b", "c"]);
  });

  it("a bad or foreign token is a 400 invalid_continue", async () => {
    deployment = await Deployment.create(kind);
    const s = await deployment.start();
    for (const id of ["a", "b", "c"]) await register(s.url, id, { tags: ["x"] });
    const { continue: token } = await page(s, "sort=created_at&limit=1&tag=x");
    expect(token).toBeDefined();
    const forged = (wire: unknown) => Buffer.from(JSON.stringify(wire)).toString("base64url");
    const real = JSON.parse(Buffer.from(token!, "base64url").toString());
    const bad = [
      "not a token!",
      "bm90IGpzb24",
      forged({ ...real, v: 2 }),
      forged({ ...real, s: "trust_score" }),
      forged({ ...real, k: "yesterday" }),
      forged({ ...real, c: -1 }),
      forged({ ...real, q: "health=sick" }),
      `${token}&tag=y`,
      `${token}&sort=name`,
      `${token}&order=asc`,
      `${token}&offset=2`,
    ];
    for (const query of bad) {
      const r = await api(s.url, "GET", `/api/v1/agents?continue=${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.code, query).toBe("invalid_continue");
      expect(r.body.errors[0].field).toBe("query.continue");
    }
    // The same token with the same selector is fine.
    expect((await api(s.url, "GET", `/api/v1/agents?continue=${token}&tag=X`)).status).toBe(200);
  });
});
