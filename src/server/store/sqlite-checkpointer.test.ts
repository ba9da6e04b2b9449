/**
 * WAL checkpoints in a worker thread, on real SQLite files. Whether a change
 * reached the database file itself (not just the WAL) is read from a copy of
 * the file made without its WAL: only checkpointed pages are in it.
 */
import BetterSqlite3 from "better-sqlite3";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Checkpointer } from "./sqlite-checkpointer.js";
import { openSqliteStore } from "./sqlite.js";

let dir: string;
let file: string;
let raw: BetterSqlite3.Database;
let cp: Checkpointer | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agentmesh-ckpt-"));
  file = join(dir, "db.sqlite");
  raw = new BetterSqlite3(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.exec("create table t (x integer)");
  raw.pragma("wal_checkpoint(TRUNCATE)");
});

afterEach(async () => {
  await cp?.close();
  cp = undefined;
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows of t in the database file alone, as if the WAL were lost. */
function rowsInMainFile(): number {
  const copy = join(dir, `copy-${Math.random()}.sqlite`);
  copyFileSync(file, copy);
  const db = new BetterSqlite3(copy);
  try {
    return (db.prepare("select count(*) as n from t").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function insert(n: number, checkpointer?: Checkpointer): void {
  for (let i = 0; i < n; i++) {
    raw.prepare("insert into t (x) values (?)").run(i);
    checkpointer?.committed();
  }
}

describe("Checkpointer", () => {
  it("turns the writer's automatic checkpoints off and copies committed pages from a worker thread", async () => {
    cp = new Checkpointer(raw, file, { intervalMs: 0 });
    expect(raw.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    insert(50, cp);
    await vi.waitFor(async () => {
      await cp!.idle();
      expect(rowsInMainFile()).toBe(50);
    });
    expect(cp.stats()).toMatchObject({ foreground: 0, offLoop: true });
    expect(cp.stats().background).toBeGreaterThan(0);
  });

  it("without it the pages stay in the WAL (what the test above rules out)", () => {
    raw.pragma("wal_autocheckpoint = 0");
    insert(50);
    expect(rowsInMainFile()).toBe(0);
  });

  it("lets the WAL start over once everything is copied", async () => {
    cp = new Checkpointer(raw, file, { intervalMs: 0 });
    insert(300);
    cp.committed();
    await vi.waitFor(() => expect(cp!.stats().walFrames).toBeGreaterThanOrEqual(300));
    await cp.idle();
    // The next commit finds every frame copied and writes from the start of the WAL again.
    insert(1, cp);
    await vi.waitFor(() => expect(cp!.stats().background).toBeGreaterThanOrEqual(2));
    await cp.idle();
    expect(cp.stats().walFrames).toBeLessThan(10);
    expect(rowsInMainFile()).toBe(301);
  });

  it("checkpoints on the writer when the WAL grows past maxFrames", async () => {
    cp = new Checkpointer(raw, file, { intervalMs: 60_000, maxFrames: 20 });
    insert(40);
    cp.committed();
    await vi.waitFor(() => expect(cp!.stats().background).toBe(1));
    expect(cp.stats().walFrames).toBeGreaterThan(20);
    // The first commit after that report: the writer copies everything itself, then goes on.
    insert(1, cp);
    expect(cp.stats().foreground).toBe(1);
    expect(rowsInMainFile()).toBe(41);
    insert(1, cp);
    expect(cp.stats().foreground).toBe(1);
  });

  it("falls back to SQLite's own checkpoints, with a warning, when the worker cannot open the file", async () => {
    const onWarning = vi.fn();
    cp = new Checkpointer(raw, join(dir, "missing", "db.sqlite"), { onWarning });
    await vi.waitFor(() => expect(onWarning).toHaveBeenCalledTimes(1));
    expect(onWarning.mock.calls[0][0]).toMatch(/checkpoint worker failed/);
    expect(cp.stats().offLoop).toBe(false);
    expect(raw.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    insert(3, cp);
    expect(cp.stats().background).toBe(0);
  });
});

describe("the SQLite store's checkpoints", () => {
  it("closes the worker first, so closing the store checkpoints and removes the WAL", async () => {
    const path = join(dir, "store.db");
    const store = await openSqliteStore(path, { checkpoint: { intervalMs: 60_000 } });
    await store.migrate();
    expect(existsSync(`${path}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = new BetterSqlite3(path, { readonly: true });
    const tables = reopened.prepare("select count(*) as n from sqlite_master where name = 'agents'").get() as { n: number };
    reopened.close();
    expect(tables.n).toBe(1);
  });
});
