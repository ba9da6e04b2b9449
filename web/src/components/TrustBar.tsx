import type { TrustTier } from "@agentmesh/client";

export const TIER_STYLE: Record<TrustTier, { bar: string; text: string }> = {
  elite: { bar: "bg-violet-400", text: "text-violet-300" },
  reliable: { bar: "bg-sky-400", text: "text-sky-300" },
  experimental: { bar: "bg-orange-400/80", text: "text-orange-300/90" },
};

export function TierLabel({ tier }: { tier: TrustTier }) {
  return <span className={`text-xs ${TIER_STYLE[tier].text}`}>{tier}</span>;
}

/** Score bar with the tier thresholds (0.5, 0.8) marked. */
export function TrustBar({ score, tier }: { score: number; tier: TrustTier }) {
  return (
    <div className="flex items-center gap-2" title={`trust ${score.toFixed(3)} · ${tier}`}>
      <div className="relative hidden h-1.5 w-16 shrink-0 overflow-hidden rounded-full bg-zinc-800 sm:block" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={score} aria-label="trust score">
        <div className={`h-full rounded-full ${TIER_STYLE[tier].bar}`} style={{ width: `${Math.round(score * 100)}%` }} />
        <div className="absolute inset-y-0 left-1/2 w-px bg-zinc-950/70" />
        <div className="absolute inset-y-0 left-4/5 w-px bg-zinc-950/70" />
      </div>
      {/* On a phone the bar is left out and the score takes its tier's colour. */}
      <span className={`w-8 font-mono text-xs tabular-nums ${TIER_STYLE[tier].text} sm:text-zinc-300`}>{score.toFixed(2)}</span>
      <span className="hidden sm:inline">
        <TierLabel tier={tier} />
      </span>
    </div>
  );
}
