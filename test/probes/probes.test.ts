/**
 * Active probes through the whole server, on both stores: real target servers
 * that the test turns up and down, the server's own probe runner driven on a
 * manual clock (`runDue()` after each interval), and what users see — health
 * events with their cause, `GET /agents/{id}/health`, the snapshot's `probe`.
 *
 * - one failed probe moves nothing; the configured run of failures does, once;
 * - a target failing every other probe gives no event at all;
 * - an agent that heartbeats but fails its probe is unhealthy, and recovers;
 * - an agent registered by card URL is judged by its (default) a2a probe alone,
 *   and goes offline with neither heartbeat nor successful probe;
 * - PATCH changes or removes the probe; deregistration stops it;
 * - a lost follow-up write is repaired by reconciliation;
 * - bad probe settings are 400s that change nothing; a link-local target is
 *   refused by the guarded fetcher, as a probe error.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AgentMeshClient } from "@agentmesh/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, card } from "../helpers.js";
import { cardV1, listen, PUBLIC_ADDRESS, startRegistry, STORES, type Registry } from "../a2a/card-server.js";

const INTERVAL = 10_000;
const probeAt = (path: string, over: Record<string, unknown> = {}) => ({ kind: "http", url: `http://${PUBLIC_ADDRESS}:${site.port}${path}`, interval_ms: INTERVAL, timeout_ms: 2000, ...over });

/** What each path answers now (status), and how often it was asked. */
const status = new Map<string, number>();
const hits = new Map<string, number>();
function serve(req: IncomingMessage, res: ServerResponse) {
  const path = req.url!;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  if (path.endsWith("/agent-card.json")) {
    const code = status.get(path) ?? 200;
    return res.writeHead(code, { "content-type": "application/json" }).end(code === 200 ? JSON.stringify(cardV1()) : "{}");
  }
  res.writeHead(status.get(path) ?? 200, { "content-type": "text/plain" }).end("ok");
}

let site: Awaited<ReturnType<typeof listen>>;
const registries = new Map<string, Registry>();
beforeAll(async () => {
  site = await listen(serve);
  // Offline after 2 minutes, so the probe-only agent below goes offline within the test's clock moves;
  // a default probe interval of 10 s, the interval the tests step by.
  for (const kind of STORES) registries.set(kind, await startRegistry(kind, { offlineAfter: "2m", heartbeatInterval: "30s", probeInterval: "10s" }));
}, 60_000);
afterAll(async () => {
  for (const r of registries.values()) await r.destroy();
  await site?.close();
});

describe.each(STORES)("active probes (%s)", (kind) => {
  const reg = () => registries.get(kind)!;
  /** One interval later: every probe due is run and its result folded in (and announced). */
  const round = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      reg().clock.advance(INTERVAL);
      await reg().app.probeRunner.runDue();
    }
  };
  const healthEvents = async (id: string) => (await api(reg().url, "GET", `/api/v1/events/history?agent_id=${id}&types=agent_health_changed`)).body.events;
  const health = async (id: string) => (await api(reg().url, "GET", `/api/v1/agents/${id}/health`)).body;
  const register = async (id: string, body: Record<string, unknown>) => {
    const res = await api(reg().url, "POST", "/api/v1/agents", body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // The first probe is due within 5 s of registration (spread at random): one round reaches it.
    await round();
    return res.body.agent_token as string;
  };

  it("a heartbeating agent whose probe fails is unhealthy only after the configured run of failures, and recovers after the run of successes", async () => {
    const id = `beats-${kind}`;
    const path = `/${kind}/beats/healthz`;
    const token = await register(id, { ...card(id), probe: probeAt(path, { failures: 3, successes: 2 }) });
    await api(reg().url, "POST", `/api/v1/agents/${id}/heartbeat`, {}, token);
    expect((await health(id)).probe).toMatchObject({ state: "passing", recent: [expect.objectContaining({ ok: true, status_code: 200 })] });
    const before = (await healthEvents(id)).length;

    status.set(path, 503);
    await round(2);
    await api(reg().url, "POST", `/api/v1/agents/${id}/heartbeat`, {}, token);
    expect(await healthEvents(id)).toHaveLength(before); // two failures move nothing
    await round();
    const events = await healthEvents(id);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ source: "probe", status: "unhealthy", previous_status: "healthy", probe: { kind: "http", ok: false, status_code: 503, error: "HTTP 503" } });
    expect(events.at(-1).message).toMatch(/^heartbeat says healthy; probe failing since \S+: HTTP 503$/);
    expect(events.at(-1).agent.probe).toMatchObject({ kind: "http", state: "failing" });

    // Still heartbeating "healthy": still unhealthy, with the reason.
    const beat = await api(reg().url, "POST", `/api/v1/agents/${id}/heartbeat`, { status: "healthy" }, token);
    expect(beat.body.health_status).toBe("unhealthy");
    const report = await health(id);
    expect(report).toMatchObject({ status: "unhealthy", health_reason: expect.stringContaining("probe failing since"), probe: { state: "failing", probe: { kind: "http", failures: 3, successes: 2 } } });
    expect(report.history.at(-1)).toMatchObject({ source: "probe", status: "unhealthy", probe: { ok: false, status_code: 503 } });
    expect(report.probe.recent.slice(-3).map((r: { ok: boolean }) => r.ok)).toEqual([false, false, false]);

    status.set(path, 200);
    await round();
    expect(await healthEvents(id)).toHaveLength(before + 1); // one success is not a recovery
    await round();
    expect((await healthEvents(id)).at(-1)).toMatchObject({ source: "probe", status: "healthy", previous_status: "unhealthy", message: "heartbeat says healthy" });
  });

  it("a target failing every other probe gives no event", async () => {
    const id = `flappy-${kind}`;
    const path = `/${kind}/flappy`;
    await register(id, { ...card(id), probe: probeAt(path, { failures: 2 }) });
    const before = await api(reg().url, "GET", `/api/v1/events/history?agent_id=${id}`);
    for (let i = 0; i < 12; i++) {
      status.set(path, i % 2 === 0 ? 500 : 204);
      await round();
    }
    expect((await api(reg().url, "GET", `/api/v1/events/history?agent_id=${id}`)).body.events).toEqual(before.body.events);
    expect((await health(id)).probe.recent.filter((r: { ok: boolean }) => !r.ok)).toHaveLength(6);
  });

  it("an agent registered by card URL gets an a2a probe and its health from probes alone: healthy, unhealthy, then offline", async () => {
    const id = `by-url-${kind}`;
    const cardPath = `/${kind}/by-url/agent-card.json`;
    await register(id, { card_url: `http://${PUBLIC_ADDRESS}:${site.port}${cardPath}`, id });
    const agent = (await api(reg().url, "GET", `/api/v1/agents/${id}`)).body;
    expect(agent).toMatchObject({ health_status: "healthy", health_reason: "probe passing", probe: { kind: "a2a", state: "passing" }, last_heartbeat_at: null });
    expect((await healthEvents(id)).at(-1)).toMatchObject({ source: "probe", status: "healthy", previous_status: "unknown", probe: { kind: "a2a", ok: true } });
    // Passing probes keep it healthy long past --offline-after: no heartbeat is expected of it.
    await round(15);
    await reg().app.sweeper.runOnce();
    expect((await api(reg().url, "GET", `/api/v1/agents/${id}`)).body.health_status).toBe("healthy");

    status.set(cardPath, 404);
    await round(3);
    expect((await healthEvents(id)).at(-1)).toMatchObject({ source: "probe", status: "unhealthy", probe: { kind: "a2a", ok: false, status_code: 404 } });
    await round(9); // two minutes since the last success
    await reg().app.sweeper.runOnce();
    expect((await healthEvents(id)).at(-1)).toMatchObject({ source: "sweep", status: "offline", previous_status: "unhealthy" });
    status.delete(cardPath);
  });

  it("PATCH changes the probe (a new target starts unknown) and removes it with null; deregistration stops probing", async () => {
    const id = `patched-${kind}`;
    const token = await register(id, { ...card(id), probe: probeAt(`/${kind}/patched/a`) });
    const moved = await api(reg().url, "PATCH", `/api/v1/agents/${id}`, { probe: probeAt(`/${kind}/patched/b`) }, token);
    expect(moved.status).toBe(200);
    expect(moved.body.probe).toEqual({ kind: "http", state: "unknown", failing_since: null, last_ok_at: null });
    await round();
    expect(hits.get(`/${kind}/patched/b`)).toBe(1);
    const updates = (await api(reg().url, "GET", `/api/v1/events/history?agent_id=${id}&types=agent_updated`)).body.events;
    expect(updates.map((e: { changed: string[] }) => e.changed)).toEqual([["probe"], ["probe"]]); // the change, then unknown → passing

    const off = await api(reg().url, "PATCH", `/api/v1/agents/${id}`, { probe: null }, token);
    expect(off.body.probe).toBeNull();
    expect((await health(id)).probe).toBeNull();
    await round(2);
    expect(hits.get(`/${kind}/patched/b`)).toBe(1);

    const other = `gone-${kind}`;
    const otherToken = await register(other, { ...card(other), probe: probeAt(`/${kind}/gone`) });
    const probed = hits.get(`/${kind}/gone`);
    expect((await api(reg().url, "DELETE", `/api/v1/agents/${other}`, undefined, otherToken)).status).toBe(204);
    await round(2);
    expect(hits.get(`/${kind}/gone`)).toBe(probed);
    expect(await reg().store.probeLeases().get(other)).toBeNull();
  });

  it("the SDK registers with a probe, reads it back in health(), and removes it with update()", async () => {
    const client = new AgentMeshClient({ url: reg().url });
    const id = `sdk-${kind}`;
    const { agent } = await client.register({ ...card(id), probe: { kind: "tcp", host: PUBLIC_ADDRESS, port: site.port, interval_ms: INTERVAL } });
    expect(agent.probe).toEqual({ kind: "tcp", state: "unknown", failing_since: null, last_ok_at: null });
    await round();
    const report = await client.health(id);
    expect(report.probe).toMatchObject({ state: "passing", probe: { kind: "tcp", host: PUBLIC_ADDRESS, port: site.port, interval_ms: INTERVAL, timeout_ms: 5000, failures: 3, successes: 2 } });
    expect(report.probe?.recent.at(-1)).toMatchObject({ kind: "tcp", ok: true });
    const updated = await client.update(id, { probe: null });
    expect(updated.probe).toBeNull();
    expect((await client.health(id)).probe).toBeNull();
  });

  it("an a2a probe derived from the endpoint follows a PATCH of the endpoint, as a new target", async () => {
    const id = `moving-${kind}`;
    const token = await register(id, { ...card(id, { endpoint: `http://${PUBLIC_ADDRESS}:${site.port}/${kind}/moving/a2a` }), probe: { kind: "a2a" } });
    expect((await health(id)).probe).toMatchObject({ state: "passing", probe: { url: `http://${PUBLIC_ADDRESS}:${site.port}/.well-known/agent-card.json` } });
    const moved = await api(reg().url, "PATCH", `/api/v1/agents/${id}`, { endpoint: `http://cards.test:${site.port}/${kind}/moving/a2a` }, token);
    expect(moved.body.probe).toMatchObject({ kind: "a2a", state: "unknown" });
    const update = (await api(reg().url, "GET", `/api/v1/events/history?agent_id=${id}&types=agent_updated`)).body.events.at(-1);
    expect(update.changed.sort()).toEqual(["endpoint", "probe"]);
    await round();
    expect((await health(id)).probe).toMatchObject({ state: "passing", probe: { url: `http://cards.test:${site.port}/.well-known/agent-card.json` } });
  });

  it("the runner's rows follow the agents' probes even when a follow-up write was lost", async () => {
    const id = `lost-${kind}`;
    await register(id, { ...card(id), probe: probeAt(`/${kind}/lost`) });
    const leases = reg().store.probeLeases();
    await leases.remove(id); // as if the process died between the agent's commit and this row's
    await leases.upsert("no-such-agent", { kind: "tcp", host: "x.test", port: 1, interval_ms: INTERVAL, timeout_ms: 1000, failures: 3, successes: 2 }, 0);
    expect(await reg().app.probeRunner.reconcile()).toBeGreaterThanOrEqual(2);
    expect(await leases.get("no-such-agent")).toBeNull();
    const before = hits.get(`/${kind}/lost`) ?? 0;
    await round();
    expect(hits.get(`/${kind}/lost`)).toBe(before + 1);
  });

  it("bad probe settings are a 400 naming the field and register nothing; a link-local target is refused by the fetcher, as the probe's error", async () => {
    const bad = [
      [{ ...probeAt("/x"), timeout_ms: 20_000 }, "body.probe.timeout_ms"],
      [{ ...probeAt("/x"), interval_ms: 1000 }, "body.probe.interval_ms"],
      [{ kind: "ftp", url: "ftp://x" }, "body.probe"],
      [{ kind: "tcp", host: "x.test" }, "body.probe"],
      [{ ...probeAt("/x"), url: `http://user:secret@${PUBLIC_ADDRESS}/x` }, "body.probe.url"],
    ] as const;
    for (const [probe, field] of bad) {
      const res = await api(reg().url, "POST", "/api/v1/agents", { ...card(`bad-${kind}`), probe });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.code).toBe("validation_failed");
      expect(res.body.errors.map((e: { field: string }) => e.field).join(" ")).toContain(field);
    }
    expect((await api(reg().url, "GET", `/api/v1/agents/bad-${kind}`)).status).toBe(404);

    const id = `metadata-${kind}`;
    await register(id, { ...card(id), probe: { kind: "http", url: "http://169.254.169.254/latest/meta-data/", interval_ms: INTERVAL, timeout_ms: 2000 } });
    expect((await health(id)).probe.recent.at(-1)).toMatchObject({ ok: false, error: expect.stringMatching(/^denied_address: 169\.254\.169\.254 is a link-local/) });
  });
});
