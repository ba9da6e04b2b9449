/**
 * WAL checkpoints off the event loop.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past
 * 1,000 pages: that one commit copies the pages into the database file and
 * syncs it, on the event loop, while every request and stream waits. Here the
 * writing connection has automatic checkpoints off, and a worker thread with a
 * connection of its own runs PASSIVE checkpoints, which never block the writer
 * or readers, at most one at a time and at least `intervalMs` apart while
 * there are writes.
 *
 * A checkpoint copies what was committed before it began; the WAL starts over
 * at the next commit once all of it is copied. Under sustained writes, new
 * frames arrive while the worker copies, so the WAL might never start over:
 * when the worker reports more than `maxFrames` in it, the writer runs one
 * checkpoint itself after a commit (only the frames since the worker's last
 * pass are left to copy), and the WAL restarts at the next commit.
 *
 * If the worker cannot run, the connection goes back to SQLite's automatic
 * checkpoints.
 */
import type BetterSqlite3 from "better-sqlite3";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export interface CheckpointOptions {
  /** Least time between two background checkpoints while there are writes (default 200 ms). */
  intervalMs?: number;
  /** WAL frames (pages) beyond which the writer checkpoints itself (default 10,000, about 40 MB). */
  maxFrames?: number;
  /** Told once if the worker fails (the connection then checkpoints as SQLite does by default). */
  onWarning?: (message: string, err?: unknown) => void;
}

export interface CheckpointStats {
  /** Checkpoints the worker ran. */
  background: number;
  /** Checkpoints the writer ran itself (WAL past maxFrames). */
  foreground: number;
  /** WAL frames at the worker's last report. */
  walFrames: number;
  /** False once the worker failed. */
  offLoop: boolean;
}

type Report = { log: number; checkpointed: number } | { error: string };

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.on("message", (m) => {
  if (m === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

export class Checkpointer {
  private worker: Worker | null;
  private inFlight = false;
  private dirty = false;
  private lastStart = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly intervalMs: number;
  private readonly maxFrames: number;
  private readonly counts: CheckpointStats = { background: 0, foreground: 0, walFrames: 0, offLoop: true };
  private settled: (() => void) | null = null;

  constructor(
    private readonly raw: BetterSqlite3.Database,
    path: string,
    private readonly opts: CheckpointOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 200;
    this.maxFrames = opts.maxFrames ?? 10_000;
    raw.pragma("wal_autocheckpoint = 0");
    const module = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, path } });
    this.worker.unref();
    this.worker.on("message", (r: Report) => this.onReport(r));
    this.worker.on("error", (err) => this.fail(err));
    this.worker.on("exit", () => {
      if (!this.closed) this.fail(new Error("checkpoint worker exited"));
    });
  }

  stats(): CheckpointStats {
    return { ...this.counts };
  }

  /** Called after every COMMIT on the writing connection. */
  committed(): void {
    if (!this.worker) return;
    if (this.counts.walFrames > this.maxFrames) {
      try {
        this.raw.pragma("wal_checkpoint(PASSIVE)");
        this.counts.foreground++;
        this.counts.walFrames = 0;
      } catch {
        // A full or failing disk: this runs after a commit (from a timer), where a
        // throw would end the process. The WAL keeps the data; the next commit tries again.
      }
    }
    this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.inFlight || this.timer || !this.dirty || !this.worker) return;
    const wait = this.lastStart + this.intervalMs - performance.now();
    if (wait <= 0) return this.start();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.schedule();
    }, wait);
    this.timer.unref();
  }

  private start(): void {
    this.dirty = false;
    this.inFlight = true;
    this.lastStart = performance.now();
    this.worker!.postMessage("checkpoint");
  }

  private onReport(r: Report): void {
    this.inFlight = false;
    if ("error" in r) {
      // Busy or locked by another process: try again with the next writes.
      this.dirty = true;
    } else {
      this.counts.background++;
      this.counts.walFrames = r.log;
    }
    this.settled?.();
    this.settled = null;
    this.schedule();
  }

  private fail(err: unknown): void {
    if (!this.worker) return;
    this.worker = null;
    this.counts.offLoop = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.settled?.();
    this.settled = null;
    if (this.closed) return;
    try {
      this.raw.pragma("wal_autocheckpoint = 1000");
    } catch {
      // The connection is closing.
    }
    this.opts.onWarning?.("WAL checkpoints run on the event loop: the checkpoint worker failed", err);
  }

  /** Resolves when no background checkpoint is running (tests). */
  idle(): Promise<void> {
    if (!this.inFlight) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.settled;
      this.settled = () => {
        prev?.();
        resolve();
      };
    });
  }

  /** Stops the worker and closes its connection, so the writer's close is the last one (which checkpoints and removes the WAL). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    // Held until it has exited: unreferenced, the process could end first, in the middle of shutting down.
    worker.ref();
    worker.postMessage("close");
    await exited;
  }
}
