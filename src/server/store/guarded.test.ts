/**
 * The guard around every store and the outage it keeps: which failures are
 * an outage, which successes end one, and that the log tells each outage
 * once (fake timers for the settle period).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "../errors.js";
import { guardStore } from "./guarded.js";
import { OUTAGE_END, OUTAGE_START, Outage } from "./outage.js";
import { isSqliteUnavailable } from "./sqlite-errors.js";
import type { Store } from "./store.js";

const sqliteError = (code: string) => Object.assign(new Error(`${code} happened`), { code });

function fakeStore() {
  const state = { fail: null as Error | null, readsFail: false, probes: 0, pings: 0 };
  const store = {
    kind: "sqlite",
    async ping() {
      state.pings++;
    },
    async probe() {
      state.probes++;
      if (state.fail) throw state.fail;
    },
    async getAgent() {
      if (state.readsFail && state.fail) throw state.fail;
      return undefined;
    },
    async commit() {
      if (state.fail) throw state.fail;
      return { ok: true, events: [] };
    },
    async close() {},
  } as unknown as Store;
  return { store, state };
}

function logger() {
  const lines: { level: string; msg: string }[] = [];
  return { lines, warn: (_o: unknown, msg: string) => lines.push({ level: "warn", msg }), info: (_o: unknown, msg: string) => lines.push({ level: "info", msg }) };
}

function guarded(recoversOn: "any" | "writes" = "writes") {
  const log = logger();
  const { store, state } = fakeStore();
  const outage = new Outage({ store: "sqlite", logger: log, settleMs: 1000 });
  const g = guardStore(store, {
    outage,
    recoversOn,
    probeMs: 500,
    toUnavailable: (err) => (isSqliteUnavailable(err) ? new AppError("store_unavailable", "full") : null),
  });
  return { g, state, log, outage };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("sqlite errors", () => {
  it("full, I/O, cannot open, read-only and busy are unavailability; corruption and constraints are not", () => {
    for (const code of ["SQLITE_FULL", "SQLITE_IOERR", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_CANTOPEN", "SQLITE_READONLY_DBMOVED", "SQLITE_BUSY", "SQLITE_PROTOCOL"]) {
      expect(isSqliteUnavailable(sqliteError(code)), code).toBe(true);
    }
    for (const code of ["SQLITE_CORRUPT", "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_ERROR", "SQLITE_MISUSE", "SQLITE_FULLX"]) {
      expect(isSqliteUnavailable(sqliteError(code)), code).toBe(false);
    }
    expect(isSqliteUnavailable(new Error("no code"))).toBe(false);
  });
});

describe("guardStore", () => {
  it("turns unavailability into store_unavailable and leaves other errors alone", async () => {
    const { g, state } = guarded();
    state.fail = sqliteError("SQLITE_FULL");
    const err = await g.commit({} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("store_unavailable");
    state.fail = sqliteError("SQLITE_CONSTRAINT_PRIMARYKEY");
    await expect(g.commit({} as never)).rejects.toBe(state.fail);
    await g.close();
  });

  it("logs an outage once however many calls fail, and its end once, after the settle period", async () => {
    vi.useFakeTimers();
    const { g, state, log } = guarded();
    state.fail = sqliteError("SQLITE_FULL");
    for (let i = 0; i < 20; i++) await g.commit({} as never).catch(() => {});
    expect(log.lines.map((l) => l.level)).toEqual(["warn"]);
    expect(log.lines[0].msg.startsWith(OUTAGE_START)).toBe(true);

    // A success followed by a failure within the settle period is the same outage.
    state.fail = null;
    await g.commit({} as never);
    await vi.advanceTimersByTimeAsync(400);
    state.fail = sqliteError("SQLITE_IOERR_WRITE");
    await g.commit({} as never).catch(() => {});
    await vi.advanceTimersByTimeAsync(2000);
    expect(log.lines.map((l) => l.level)).toEqual(["warn"]);

    state.fail = null;
    await g.commit({} as never);
    await vi.advanceTimersByTimeAsync(999);
    expect(log.lines.map((l) => l.level)).toEqual(["warn"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.lines.map((l) => l.level)).toEqual(["warn", "info"]);
    expect(log.lines[1].msg.startsWith(OUTAGE_END)).toBe(true);
    await g.close();
  });

  it("with recovery on writes only, a read that works does not end the outage; ping asks the write probe, by itself too", async () => {
    vi.useFakeTimers();
    const { g, state, outage } = guarded("writes");
    state.fail = sqliteError("SQLITE_FULL");
    await g.commit({} as never).catch(() => {});
    await g.getAgent("a");
    expect(outage.down).toBe(true);
    await expect(g.ping()).rejects.toMatchObject({ code: "store_unavailable" });
    const probes = state.probes;
    await vi.advanceTimersByTimeAsync(1500);
    expect(state.probes).toBeGreaterThan(probes);
    expect(state.pings).toBe(0);

    state.fail = null;
    await vi.advanceTimersByTimeAsync(500);
    expect(outage.down).toBe(false);
    // Up again: ping is the plain ping, and the probe timer has stopped.
    const after = state.probes;
    await g.ping();
    await vi.advanceTimersByTimeAsync(5000);
    expect([state.pings, state.probes]).toEqual([1, after]);
    await g.close();
  });

  it("with recovery on any call, a read that works ends the outage", async () => {
    const { g, state, outage } = guarded("any");
    state.fail = sqliteError("SQLITE_IOERR");
    state.readsFail = true;
    await g.getAgent("a").catch(() => {});
    expect(outage.down).toBe(true);
    state.fail = null;
    await g.getAgent("a");
    expect(outage.down).toBe(false);
    await g.close();
  });

  it("failures after close() are shutdown, not an outage", async () => {
    const { g, state, log } = guarded();
    await g.close();
    state.fail = sqliteError("SQLITE_IOERR");
    await expect(g.commit({} as never)).rejects.toBe(state.fail);
    expect(log.lines).toEqual([]);
  });
});
