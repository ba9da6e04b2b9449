/**
 * A value that follows `value` once it has stopped changing for `waitMs`: the
 * agents page asks the server for a search when typing pauses, not once per
 * key (each search reads the whole fleet on the server; at 100,000 agents a
 * burst of 14 keys queued 14 of them, and the rows took 16 s to show).
 */
import { useEffect, useState } from "react";

export function useSettled<T>(value: T, waitMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (Object.is(value, settled)) return;
    const timer = setTimeout(() => setSettled(value), waitMs);
    return () => clearTimeout(timer);
  }, [value, settled, waitMs]);
  return settled;
}
