/**
 * Streams with different filters never share frames: the hub frames a flush
 * once per distinct filter, so two filters that read the same to it would hand
 * one stream the other's events (or none). `?agent_id=` (an empty id, which
 * matches nothing) and `?agent_id=a,b` (one id with a comma, which matches
 * nothing either) must not be taken for "no filter" or for `a` and `b`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openStream, register, startTestServer, waitFor, type RawStream, type TestServer } from "../helpers.js";

let server: TestServer | undefined;
const streams: RawStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await server?.destroy();
  server = undefined;
});

async function open(query: string): Promise<RawStream> {
  const s = await openStream(server!.url, query);
  streams.push(s);
  return s;
}

describe("filters in one flush", () => {
  it("an empty agent_id filter gets nothing and does not starve the unfiltered streams opened after it", async () => {
    server = await startTestServer();
    const empty = await open("?agent_id=");
    const all = await open("");
    const marker = await open("?agent_id=x2");
    await register(server.url, "x1");
    await register(server.url, "x2");
    await waitFor(() => marker.events().length === 1, "the filtered stream to get x2's registration");
    await waitFor(() => all.events().length === 2, "the unfiltered stream to get both registrations");
    expect(all.events().map((e) => e.agent_id)).toEqual(["x1", "x2"]);
    expect(empty.events()).toEqual([]);
  });

  it("an empty agent_id filter opened after an unfiltered stream is not handed its events", async () => {
    server = await startTestServer();
    const all = await open("");
    const empty = await open("?agent_id=");
    await register(server.url, "y1");
    await waitFor(() => all.events().length === 1, "the unfiltered stream to get the registration");
    // A later event for a stream that did get something: by then the earlier flush reached every stream.
    const marker = await open("?agent_id=y2");
    await register(server.url, "y2");
    await waitFor(() => marker.events().length === 1, "the marker stream");
    expect(empty.events()).toEqual([]);
  });

  it("agent_id=a,b (one id) and agent_id=a&agent_id=b (two ids) are different filters", async () => {
    server = await startTestServer();
    const joined = await open("?agent_id=z1,z2");
    const both = await open("?agent_id=z1&agent_id=z2");
    await register(server.url, "z1");
    await register(server.url, "z2");
    await waitFor(() => both.events().length === 2, "the two-id stream to get both registrations");
    const marker = await open("?agent_id=z3");
    await register(server.url, "z3");
    await waitFor(() => marker.events().length === 1, "the marker stream");
    expect(joined.events()).toEqual([]);
  });
});
