/**
 * Bookmarks for the `eventsource` package. The registry sends a quiet stream
 * a bookmark, an `id:` line with no data, so the client's resume point follows
 * the log (WHATWG SSE sets the last event id even when it dispatches nothing).
 * `eventsource` 4.x, the newest that runs on Node 20, drops a block without
 * data and its id with it. This rewrites such a block, as the bytes pass, into
 * one it does act on: the same `id:` plus `event: bookmark` and an empty
 * `data:` line, which sets the EventSource's last event id (its own reconnects
 * send it) and fires a `bookmark` event the subscription moves `lastId` on.
 * Every other byte passes unchanged, line endings normalised to `\n`.
 */

/** The event type a rewritten bookmark is dispatched as. */
export const BOOKMARK_EVENT = "bookmark";

/** The field name of an SSE line, or null for a comment or a blank line. */
function fieldOf(line: string): string | null {
  if (line === "" || line.startsWith(":")) return null;
  const colon = line.indexOf(":");
  return colon < 0 ? line : line.slice(0, colon);
}

/**
 * A line-by-line rewriter: feed it text as it arrives (chunks may split lines
 * anywhere, even a CR LF pair), get back the text to hand on.
 */
export function bookmarkRewriter(): (text: string) => string {
  let pending = ""; // an unfinished line
  let sawId = false;
  let sawData = false;
  let lastWasCR = false; // a chunk ended with CR: an LF opening the next one belongs to it
  return (text) => {
    if (lastWasCR && text.startsWith("\n")) text = text.slice(1);
    lastWasCR = text.endsWith("\r");
    const lines = (pending + text).split(/\r\n|\r|\n/);
    pending = lines.pop()!;
    let out = "";
    for (const line of lines) {
      const field = fieldOf(line);
      if (line === "") {
        if (sawId && !sawData) out += `event: ${BOOKMARK_EVENT}\ndata:\n`;
        sawId = sawData = false;
      } else if (field === "id") sawId = true;
      else if (field === "data") sawData = true;
      out += `${line}\n`;
    }
    return out;
  };
}

/** The rewriter as a byte stream transform, for the stream's `fetch`. */
export function bookmarkTransform(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const rewrite = bookmarkRewriter();
  return new TransformStream({
    transform(chunk, controller) {
      const text = rewrite(decoder.decode(chunk, { stream: true }));
      if (text) controller.enqueue(encoder.encode(text));
    },
  });
}
