/**
 * The heartbeat loop behind `AgentMeshClient.startHeartbeats()`: beats at the
 * interval the server asks for, retries with backoff through restarts and
 * network errors (never slower than that interval), and stops for good only on
 * errors that retrying cannot fix (bad token, agent gone).
 */
import type { HeartbeatResponse } from "./agent.js";
import type { ReportedStatus } from "./vocabulary.js";
import { backoffDelay, cancellableSleep } from "./backoff.js";
import { AgentMeshError, checkSignal, invalidArgument } from "./errors.js";

export interface HeartbeatOptions {
  /** Status sent with every beat until `setStatus()` changes it (default `healthy`). */
  status?: ReportedStatus;
  /** Optional message sent with the status (e.g. why it is degraded). */
  message?: string;
  /** Called after each accepted heartbeat with the server's answer. */
  onBeat?: (response: HeartbeatResponse) => void;
  /**
   * Called on every failed beat. `fatal` errors (unauthorized, forbidden, agent
   * not found, invalid) stop the loop; others are retried after `retryInMs`.
   */
  onError?: (error: AgentMeshError, info: { fatal: boolean; retryInMs: number | null }) => void;
  /** Interval used until the server's first answer names its own (default 10 s). */
  intervalMs?: number;
  /** Stops the loop like `stop()` when it fires (`done` resolves with null). */
  signal?: AbortSignal;
}

/** A running heartbeat loop. */
export interface HeartbeatLoop {
  /** The status the loop reports. */
  readonly status: ReportedStatus;
  /** The interval the server asked for in its last answer. */
  readonly intervalMs: number;
  /** The last accepted heartbeat's answer, or null before the first. */
  readonly lastBeat: HeartbeatResponse | null;
  /** False once stopped (by `stop()` or a fatal error). */
  readonly running: boolean;
  /**
   * Changes the reported status; when it differs from the current one a beat is
   * sent at once, so the registry learns of it without waiting for the schedule.
   */
  setStatus(status: ReportedStatus, message?: string): void;
  /** Stops the loop; resolves once no heartbeat is in flight. */
  stop(): Promise<void>;
  /** Resolves when the loop has ended; with the fatal error if one ended it. */
  readonly done: Promise<AgentMeshError | null>;
}

export type SendHeartbeat = (body: { status: ReportedStatus; message?: string }, signal: AbortSignal) => Promise<HeartbeatResponse>;

function isFatal(err: AgentMeshError): boolean {
  return !err.retryable && err.code !== "conflict";
}

export function startHeartbeatLoop(send: SendHeartbeat, options: HeartbeatOptions = {}): HeartbeatLoop {
  const given = options.intervalMs;
  if (given !== undefined && (typeof given !== "number" || !Number.isFinite(given) || given <= 0)) {
    throw invalidArgument(`intervalMs must be a positive number of milliseconds, got ${String(given)}`);
  }
  checkSignal(options.signal);
  let status: ReportedStatus = options.status ?? "healthy";
  let message = options.message;
  let intervalMs = given ?? 10_000;
  let lastBeat: HeartbeatResponse | null = null;
  let running = !options.signal?.aborted;
  let sleeper: ReturnType<typeof cancellableSleep> | null = null;
  const abort = new AbortController();

  const loop = async (): Promise<AgentMeshError | null> => {
    let failures = 0;
    while (running) {
      const started = Date.now();
      let delay: number;
      try {
        const body = { status, ...(message !== undefined ? { message } : {}) };
        const res = await send(body, abort.signal);
        if (!running) break;
        failures = 0;
        lastBeat = res;
        if (res.heartbeat_interval_ms > 0) intervalMs = res.heartbeat_interval_ms;
        delay = Math.max(0, intervalMs - (Date.now() - started));
        // setStatus() while this beat was in flight: it carried the old status, so the new one goes now.
        if (body.status !== status || body.message !== message) delay = 0;
        options.onBeat?.(res);
      } catch (raw) {
        if (!running) break;
        const err = raw instanceof AgentMeshError ? raw : new AgentMeshError({ status: 0, code: "unreachable", detail: String(raw), cause: raw });
        if (isFatal(err)) {
          running = false;
          options.onError?.(err, { fatal: true, retryInMs: null });
          return err;
        }
        delay = Math.min(backoffDelay(failures++, { baseMs: 250, maxMs: intervalMs }), intervalMs);
        if (err.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(err.retryAfterMs, intervalMs));
        options.onError?.(err, { fatal: false, retryInMs: delay });
      }
      if (!running) break;
      sleeper = cancellableSleep(delay);
      await sleeper.promise;
      sleeper = null;
    }
    return null;
  };
  const done = loop();
  const stop = async () => {
    running = false;
    abort.abort();
    sleeper?.cancel();
    await done;
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  void done.then(() => options.signal?.removeEventListener("abort", onAbort));

  return {
    get status() {
      return status;
    },
    get intervalMs() {
      return intervalMs;
    },
    get lastBeat() {
      return lastBeat;
    },
    get running() {
      return running;
    },
    setStatus(next, nextMessage) {
      const changed = next !== status || nextMessage !== message;
      status = next;
      message = nextMessage;
      if (changed) sleeper?.cancel();
    },
    stop,
    done,
  };
}
