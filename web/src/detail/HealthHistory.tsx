import type { HealthPoint } from "@agentmesh/client";
import { HealthDot } from "../components/HealthBadge";
import { RelativeTime } from "../components/RelativeTime";
import { clockTime } from "../format/time";

/** Recent health transitions, newest first. */
export function HealthHistory({ history }: { history: readonly HealthPoint[] }) {
  if (history.length === 0) return <p className="text-sm text-muted">No health changes yet.</p>;
  return (
    <ol className="space-y-1 text-xs" data-testid="health-history">
      {[...history]
        .reverse()
        .slice(0, 30)
        .map((p, i) => (
          <li key={`${p.at}-${i}`} className="flex items-center gap-2">
            <span className="w-16 shrink-0 font-mono text-muted tabular-nums">{clockTime(p.at)}</span>
            <HealthDot status={p.status} />
            <span className="text-zinc-400">
              {p.previous_status} → <span className="text-zinc-200">{p.status}</span>
            </span>
            {p.message && <span className="min-w-0 truncate text-muted">· {p.message}</span>}
            <span className="ml-auto shrink-0 text-muted">
              <RelativeTime at={p.at} />
            </span>
          </li>
        ))}
    </ol>
  );
}
