/**
 * The store as the app sees it (`openStore` wraps every store in this): a
 * call that fails because the store is unavailable is answered as a 503
 * `store_unavailable` problem, never a 500, and tells the outage (its log
 * lines). While an outage lasts, `ping()` — what `/readyz` asks — runs the
 * store's write probe when it has one (SQLite: on a full disk reads still
 * work, so `select 1` would say ready while every write fails), and a timer
 * pings every `probeMs`, so the end of the outage is noticed and logged
 * without waiting for traffic.
 *
 * A Proxy rather than a class that repeats the interface: every method of the
 * store, present and future, is guarded the same way.
 */
import { AppError } from "../errors.js";
import type { Outage } from "./outage.js";
import type { Store } from "./store.js";
import { wrapLeases, type ProbeLeases } from "./probe-leases.js";

export interface GuardOptions {
  outage: Outage;
  /** The 503 problem for a failure that means "unavailable"; null for anything else (a bug: it stays a 500). */
  toUnavailable(err: unknown): AppError | null;
  /**
   * Which successes prove the store works again: any call (PostgreSQL: it
   * answers or it does not), or only writes (SQLite: reads survive a full disk).
   */
  recoversOn: "any" | "writes";
  /** Ping interval while the store is down (default 1000 ms). */
  probeMs?: number;
}

const WRITES = new Set<PropertyKey>(["commit", "prune", "probe", "migrate"]);

export function guardStore(store: Store, opts: GuardOptions): Store {
  const { outage } = opts;
  let closing = false;
  let timer: NodeJS.Timeout | null = null;

  const settle = <T>(name: PropertyKey, result: Promise<T>): Promise<T> =>
    result.then(
      (value) => {
        if (opts.recoversOn === "any" || WRITES.has(name)) outage.succeeded();
        if (!outage.down && timer) {
          clearInterval(timer);
          timer = null;
        }
        return value;
      },
      (err: unknown) => {
        // Calls that fail because the instance is shutting down are not an outage.
        if (closing) throw err;
        const unavailable = err instanceof AppError && err.code === "store_unavailable" ? err : opts.toUnavailable(err);
        if (!unavailable) throw err;
        outage.failed(unavailable);
        if (!timer) {
          // One probe at a time: against an unreachable server each may wait out the connect timeout.
          let probing = false;
          timer = setInterval(() => {
            if (probing) return;
            probing = true;
            void guarded
              .ping()
              .catch(() => {})
              .finally(() => (probing = false));
          }, opts.probeMs ?? 1000);
          timer.unref();
        }
        throw unavailable;
      },
    );

  const call = (name: PropertyKey, run: () => unknown): unknown => {
    let result: unknown;
    try {
      result = run();
    } catch (err) {
      result = Promise.reject(err);
    }
    return result instanceof Promise ? settle(name, result) : result;
  };

  // The probe runner's rows are guarded like the store's own calls: an outage is told once, and a failure is a 503 `store_unavailable`.
  let leases: ProbeLeases | null = null;
  const guardedLeases = (): ProbeLeases => (leases ??= wrapLeases(store.probeLeases(), call));

  const overrides: Partial<Store> = {
    probeLeases: guardedLeases,
    ping: () => (outage.down && store.probe ? (call("probe", () => store.probe!()) as Promise<void>) : (call("ping", () => store.ping()) as Promise<void>)),
    close: async () => {
      closing = true;
      if (timer) clearInterval(timer);
      timer = null;
      outage.close();
      await store.close();
    },
  };
  const methods = new Map<PropertyKey, unknown>();
  const guarded: Store = new Proxy(store, {
    get(target, name) {
      if (name in overrides) return overrides[name as keyof Store];
      const value = Reflect.get(target, name, target);
      if (typeof value !== "function") return value;
      let method = methods.get(name);
      if (!method) {
        method = (...args: unknown[]) => call(name, () => (value as (...a: unknown[]) => unknown).apply(target, args));
        methods.set(name, method);
      }
      return method;
    },
  });
  return guarded;
}
