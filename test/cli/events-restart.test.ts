/**
 * `agentmesh events` survives its server being killed (SIGKILL) and started
 * again on the same SQLite file and port: it reconnects by itself and resumes
 * after the last event it printed, so the output holds every logged event
 * exactly once, in order — including those written while it was disconnected.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { api, register, tempDir, waitFor } from "../helpers.js";
import { logAfter } from "../sdk/support.js";
import { cli, freePort, serveProcess, type CliProcess } from "./support.js";

const dir = tempDir("agentmesh-cli-restart-");
const dbFile = join(dir, "agentmesh.db");
const running: CliProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  rmSync(dir, { recursive: true, force: true });
});

describe("agentmesh events across a server restart", () => {
  it("resumes without losing or repeating events", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let server = await serveProcess(port, dbFile);
    running.push(server);

    const token = await register(url, "restart-a");
    const tail = cli(["events", "--json", "--url", url]);
    running.push(tail);
    await waitFor(() => tail.stderr.includes("connected"), "the tail to connect");
    const start = Number(/after event #(\d+)/.exec(tail.stderr)?.[1]);
    expect(start).toBeGreaterThan(0);

    await api(url, "POST", "/api/v1/agents/restart-a/heartbeat", { status: "degraded" }, token);
    await register(url, "restart-b");
    await waitFor(() => tail.lines().length >= 3, "the events before the restart");

    expect(await server.stop("SIGKILL")).not.toBe(0);
    await waitFor(() => tail.stderr.includes("reconnecting"), "the tail to notice");
    server = await serveProcess(port, dbFile);
    running.push(server);

    // Written before the tail has reconnected: they must be replayed on resume.
    await api(url, "POST", "/api/v1/agents/restart-a/heartbeat", { status: "unhealthy" }, token);
    await register(url, "restart-c");
    await waitFor(() => tail.stderr.includes("reconnected"), "the tail to reconnect", 20_000);
    await register(url, "restart-d");

    const log = await logAfter(url, start);
    await waitFor(() => tail.lines().length >= log.length, "the tail to catch up");
    const ids = tail.lines().map((l) => JSON.parse(l).id);
    expect(ids).toEqual(log.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(tail.stderr).not.toContain("could not resume");
    expect(await tail.stop("SIGINT")).toBe(0);
  });
});
