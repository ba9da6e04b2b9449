import { dateTime, relativeTime } from "../format/time";
import { useNow } from "../hooks/useNow";

/** "12s ago", ticking; the exact time in the tooltip. */
export function RelativeTime({ at, prefix = "" }: { at: string | number; prefix?: string }) {
  const now = useNow();
  const ms = typeof at === "number" ? at : Date.parse(at);
  return (
    <time dateTime={new Date(ms).toISOString()} title={dateTime(ms)} className="tabular-nums">
      {prefix}
      {relativeTime(ms, now)}
    </time>
  );
}
