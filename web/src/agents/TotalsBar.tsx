import type { HealthStatus } from "@agentmesh/client";
import { HEALTH_STYLE } from "../components/HealthBadge";
import { TIER_STYLE } from "../components/TrustBar";
import { HEALTH_ORDER, TIER_ORDER, type Totals } from "./fleet-view";

interface Props {
  totals: Totals;
  health: HealthStatus | null;
  onHealth(health: HealthStatus | null): void;
}

/** Counts by health (each one a filter toggle) and by trust tier. */
export function TotalsBar({ totals, health, onHealth }: Props) {
  const cell = "flex min-w-[5.5rem] flex-1 flex-col rounded border px-3 py-2 text-left transition-colors";
  return (
    <div className="flex flex-wrap gap-2" data-testid="totals">
      <button
        type="button"
        onClick={() => onHealth(null)}
        className={`${cell} ${health === null ? "border-zinc-600 bg-zinc-900" : "border-zinc-800 hover:border-zinc-700"}`}
        aria-pressed={health === null}
      >
        <span className="text-[11px] tracking-wide text-muted uppercase">agents</span>
        <span className="text-xl font-semibold text-zinc-100 tabular-nums" data-testid="total-all">
          {totals.total}
        </span>
      </button>
      {HEALTH_ORDER.map((h) => (
        <button
          key={h}
          type="button"
          onClick={() => onHealth(health === h ? null : h)}
          aria-pressed={health === h}
          data-testid={`total-${h}`}
          className={`${cell} ${health === h ? "border-zinc-600 bg-zinc-900" : "border-zinc-800 hover:border-zinc-700"}`}
        >
          <span className="flex items-center gap-1.5 text-[11px] tracking-wide text-muted uppercase">
            <span aria-hidden className={`size-1.5 rounded-full ${HEALTH_STYLE[h].dot}`} />
            {h}
          </span>
          {/* Dimmed when zero by colour, not opacity, so it still reads at 4.5:1. */}
          <span className={`text-xl font-semibold tabular-nums ${totals.byHealth[h] === 0 ? "text-muted" : "text-zinc-100"}`}>{totals.byHealth[h]}</span>
        </button>
      ))}
      <div className={`${cell} min-w-[12rem] flex-[2] border-zinc-800`}>
        <span className="text-[11px] tracking-wide text-muted uppercase">trust tiers</span>
        <div className="mt-1.5 flex h-1.5 overflow-hidden rounded-full bg-zinc-800" aria-hidden>
          {TIER_ORDER.map((t) => (
            <div key={t} className={TIER_STYLE[t].bar} style={{ width: `${totals.total ? (100 * totals.byTier[t]) / totals.total : 0}%` }} />
          ))}
        </div>
        <div className="mt-1 flex gap-3 text-xs">
          {TIER_ORDER.map((t) => (
            <span key={t} className={TIER_STYLE[t].text} data-testid={`tier-${t}`}>
              {t} <span className="text-zinc-300 tabular-nums">{totals.byTier[t]}</span>
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}
