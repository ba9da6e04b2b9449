import { describe, expect, it } from "vitest";
import { bookmarkRewriter } from "./sse-bookmarks.js";

const all = (chunks: string[]) => {
  const rewrite = bookmarkRewriter();
  return chunks.map(rewrite).join("");
};

describe("bookmarkRewriter", () => {
  it("gives an id-only block an event type and an empty data line", () => {
    expect(all(["id: 42\n\n"])).toBe("id: 42\nevent: bookmark\ndata:\n\n");
  });

  it("leaves events, comments and retry lines as they are", () => {
    const text = "retry: 3000\n\n: keep-alive\n\nid: 7\nevent: agent_updated\ndata: {}\n\n";
    expect(all([text])).toBe(text);
  });

  it("finds blocks split anywhere, including inside a CR LF pair", () => {
    const text = "id: 9\r\n\r\nid: 10\r\ndata: x\r\n\r\n";
    const expected = "id: 9\nevent: bookmark\ndata:\n\nid: 10\ndata: x\n\n";
    for (let cut = 0; cut <= text.length; cut++) expect(all([text.slice(0, cut), text.slice(cut)])).toBe(expected);
  });

  it("reads `id` without a colon, and `data` without a value, as the SSE grammar does", () => {
    expect(all(["id\n\n"])).toBe("id\nevent: bookmark\ndata:\n\n");
    expect(all(["id: 3\ndata\n\n"])).toBe("id: 3\ndata\n\n");
  });

  it("does not turn a comment that mentions an id into a bookmark", () => {
    expect(all([": id: 5\n\n"])).toBe(": id: 5\n\n");
  });
});
