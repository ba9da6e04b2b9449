/**
 * The hand-over between a subscription's delivery pump and a `for await`
 * consumer. It holds at most one update: the pump's `hand()` resolves only
 * once the consumer has taken it, so the subscription's own queue (bounded,
 * see subscribe.ts) is the only buffer, exactly as with an async handler.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private takers: { resolve(r: IteratorResult<T>): void; reject(err: unknown): void }[] = [];
  private offered: { value: T; taken(): void } | null = null;
  private ended = false;
  private failure: { error: unknown } | null = null;

  /** `onReturn` runs when the consumer leaves the loop early (`break`, `return`, a throw in its body). */
  constructor(private readonly onReturn: () => void) {}

  /** Hands `value` to the consumer; resolves once taken, or at once when the channel has ended. */
  hand(value: T): Promise<void> {
    if (this.ended) return Promise.resolve();
    const taker = this.takers.shift();
    if (taker) {
      taker.resolve({ value, done: false });
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.offered = { value, taken: resolve }));
  }

  /** No more values: waiting and later `next()` calls finish; with `error`, the first of them rejects with it. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    this.offered?.taken();
    this.offered = null;
    for (const taker of this.takers.splice(0)) this.settle(taker);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.offered) {
      const { value, taken } = this.offered;
      this.offered = null;
      taken();
      return Promise.resolve({ value, done: false });
    }
    return new Promise((resolve, reject) => {
      if (this.ended) this.settle({ resolve, reject });
      else this.takers.push({ resolve, reject });
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.ended) {
      this.end();
      this.onReturn();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(taker: { resolve(r: IteratorResult<T>): void; reject(err: unknown): void }): void {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      taker.reject(error);
    } else {
      taker.resolve({ value: undefined, done: true });
    }
  }
}
