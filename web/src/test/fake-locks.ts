/**
 * An exclusive Web Locks stand-in for jsdom (which has no `navigator.locks`):
 * one holder per name, waiters granted in request order when the holder's
 * callback settles, a waiter's signal aborts its request.
 */
type Waiter = { callback: () => Promise<unknown>; resolve(value: unknown): void; reject(reason: unknown): void; signal?: AbortSignal };

export class FakeLocks {
  private readonly held = new Set<string>();
  private readonly queues = new Map<string, Waiter[]>();

  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { callback, resolve, reject, signal: options.signal };
      options.signal?.addEventListener("abort", () => {
        const queue = this.queues.get(name) ?? [];
        const at = queue.indexOf(waiter);
        if (at >= 0) {
          queue.splice(at, 1);
          reject(new DOMException("aborted", "AbortError"));
        }
      });
      const queue = this.queues.get(name) ?? [];
      this.queues.set(name, [...queue, waiter]);
      this.grant(name);
    });
  }

  private grant(name: string): void {
    if (this.held.has(name)) return;
    const waiter = this.queues.get(name)?.shift();
    if (!waiter) return;
    this.held.add(name);
    waiter
      .callback()
      .then(waiter.resolve, waiter.reject)
      .finally(() => {
        this.held.delete(name);
        this.grant(name);
      });
  }
}
