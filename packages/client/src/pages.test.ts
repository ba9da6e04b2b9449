import { describe, expect, it } from "vitest";
import type { AgentList, ListQuery } from "./agent.js";
import { listPages } from "./pages.js";

const agent = (id: string) => ({ id }) as AgentList["agents"][number];

/** A list of `n` agents answered by offset, recording each query. */
function offsetList(n: number) {
  const queries: ListQuery[] = [];
  const all = Array.from({ length: n }, (_, i) => agent(`a${i}`));
  const list = async (q: ListQuery) => {
    queries.push(q);
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 100;
    return { agents: all.slice(offset, offset + limit), total: n, limit, offset, cursor: 7 };
  };
  return { list, queries };
}

describe("listPages", () => {
  it("asks for each page by offset and stops after the last", async () => {
    const { list, queries } = offsetList(5);
    const pages: string[][] = [];
    for await (const page of listPages(list, { health: "healthy", limit: 2 })) pages.push(page.agents.map((a) => a.id));
    expect(pages).toEqual([["a0", "a1"], ["a2", "a3"], ["a4"]]);
    expect(queries.map((q) => q.offset)).toEqual([0, 2, 4]);
    expect(queries.every((q) => q.health === "healthy" && q.limit === 2)).toBe(true);
  });

  it("does not ask past `total` when the last page is full", async () => {
    const { list, queries } = offsetList(4);
    for await (const _ of listPages(list, { limit: 2 })) void _;
    expect(queries.map((q) => q.offset)).toEqual([0, 2]);
  });

  it("follows a continue token when the server answers one, and stops on null", async () => {
    const queries: Record<string, unknown>[] = [];
    const answers = [
      { agents: [agent("a")], total: 3, limit: 1, offset: 0, cursor: 9, continue: "t1" },
      { agents: [agent("b")], total: 3, limit: 1, offset: 0, cursor: 9, continue: "t2" },
      { agents: [agent("c")], total: 3, limit: 1, offset: 0, cursor: 9, continue: null },
    ];
    const list = async (q: ListQuery) => (queries.push(q), answers[queries.length - 1]);
    const ids: string[] = [];
    for await (const page of listPages(list, { limit: 1, tag: "x" })) ids.push(...page.agents.map((a) => a.id));
    expect(ids).toEqual(["a", "b", "c"]);
    expect(queries[1]).toEqual({ limit: 1, tag: "x", continue: "t1" });
    expect(queries[2]).toMatchObject({ continue: "t2" });
  });

  it("sends nothing more once the consumer leaves, or once the signal has fired", async () => {
    const { list, queries } = offsetList(10);
    for await (const _ of listPages(list, { limit: 2 })) break;
    expect(queries).toHaveLength(1);

    const ctrl = new AbortController();
    const seen: number[] = [];
    const run = (async () => {
      for await (const page of listPages(list, { limit: 2 }, { signal: ctrl.signal })) {
        seen.push(page.offset);
        ctrl.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: "aborted", retryable: false });
    expect(seen).toEqual([0]);
  });
});
