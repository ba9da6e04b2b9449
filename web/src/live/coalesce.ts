/**
 * Coalesces bursts of triggers into few runs: a run happens `waitMs` after the
 * last trigger, but at most `maxWaitMs` after the first one of a burst, so a
 * steady stream of events still refreshes the screen. Used to refetch the
 * table's rows and the totals as events arrive, never once per event.
 */
export interface Coalescer {
  trigger(): void;
  cancel(): void;
}

export function coalesce(run: () => void, waitMs: number, maxWaitMs: number): Coalescer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let firstAt: number | null = null;
  const fire = () => {
    timer = null;
    firstAt = null;
    run();
  };
  return {
    trigger() {
      const now = Date.now();
      firstAt ??= now;
      if (timer) clearTimeout(timer);
      timer = setTimeout(fire, Math.max(0, Math.min(waitMs, firstAt + maxWaitMs - now)));
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      firstAt = null;
    },
  };
}
