/**
 * Background duties on a timer: mark silent agents offline and reap those
 * offline for `--deregister-after` (every sweep interval), decay idle trust
 * and prune the event log (about once a minute).
 * Each run goes through the registry service like any other change; runs never
 * overlap, and `stop()` waits for the one in progress.
 */
import type { Config } from "./config.js";
import type { Registry } from "./registry/service.js";
import type { Clock } from "./registry/service.js";
import type { Store } from "./store/store.js";

export interface SweeperDeps {
  registry: Pick<Registry, "sweep" | "reap" | "decayIdle">;
  store: Pick<Store, "prune">;
  config: Pick<Config, "sweepIntervalMs" | "historyMaxEvents" | "historyMaxAgeMs">;
  clock: Clock;
  onError: (err: unknown) => void;
}

const HOUSEKEEPING_MS = 60_000;

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastHousekeeping = 0;

  constructor(private readonly deps: SweeperDeps) {}

  start(): void {
    this.lastHousekeeping = this.deps.clock.now();
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.runOnce().finally(() => (this.running = null));
    }, this.deps.config.sweepIntervalMs);
    this.timer.unref();
  }

  async runOnce(): Promise<void> {
    const { registry, store, config, clock, onError } = this.deps;
    try {
      await registry.sweep();
      await registry.reap();
      const now = clock.now();
      if (now - this.lastHousekeeping >= HOUSEKEEPING_MS) {
        this.lastHousekeeping = now;
        await registry.decayIdle();
        await store.prune(config.historyMaxEvents, now - config.historyMaxAgeMs);
      }
    } catch (err) {
      onError(err);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
