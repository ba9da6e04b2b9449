/** Trust over time as inline SVG, with the tier thresholds (0.5, 0.8) as guides. */
import type { TrustPoint, TrustTier } from "@agentmesh/client";
import { TIER_STYLE } from "../components/TrustBar";
import { clockTime, dateTime } from "../format/time";
import { useNow } from "../hooks/useNow";
import { useWidth } from "../hooks/useWidth";
import { trustGeometry, type ChartBox } from "./trust-chart-geometry";

/** Drawn at the figure's real width, so labels keep their size (11 px) on a phone. */
const box = (width: number): ChartBox => ({ width: Math.max(200, width), height: width < 480 ? 150 : 180, pad: { l: 8, r: 34, t: 10, b: 22 } });
const LABEL = { fontSize: 11, fill: "#8e8e99" } as const;

const STROKE: Record<TrustTier, string> = { elite: "#a78bfa", reliable: "#38bdf8", experimental: "#fb923c" };

interface Props {
  history: readonly TrustPoint[];
  score: number;
  tier: TrustTier;
  since: string;
}

export function TrustChart({ history, score, tier, since }: Props) {
  const now = useNow();
  const [ref, measured] = useWidth<HTMLElement>(640);
  const chartBox = box(measured);
  const g = trustGeometry(history, score, Date.parse(since), now, chartBox);
  const { width, height, pad } = chartBox;
  const right = width - pad.r;
  const guides: [number, string][] = [
    [1, "1.0"],
    [0.8, "0.8 elite"],
    [0.5, "0.5 reliable"],
    [0, "0"],
  ];
  return (
    <figure data-testid="trust-chart" ref={ref}>
      <div className="mb-2 flex items-baseline gap-2">
        <span className="text-2xl font-semibold text-zinc-100 tabular-nums" data-testid="trust-score">
          {score.toFixed(2)}
        </span>
        <span className={`text-sm ${TIER_STYLE[tier].text}`}>{tier}</span>
        <span className="ml-auto text-xs text-muted">{history.length} changes</span>
      </div>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} className="block max-w-full" role="img" aria-label={`Trust score over time, now ${score.toFixed(2)} (${tier})`}>
        <rect x={pad.l} y={g.y(1)} width={right - pad.l} height={g.y(0.8) - g.y(1)} fill="#a78bfa" opacity={0.05} />
        <rect x={pad.l} y={g.y(0.5)} width={right - pad.l} height={g.y(0) - g.y(0.5)} fill="#fb923c" opacity={0.04} />
        {guides.map(([s, label]) => (
          <g key={s}>
            <line x1={pad.l} x2={right} y1={g.y(s)} y2={g.y(s)} stroke="#3f3f46" strokeDasharray={s === 0 || s === 1 ? undefined : "3 4"} strokeWidth={1} />
            <text x={right + 4} y={g.y(s) + 4} {...LABEL} data-testid="chart-label">
              {label.split(" ")[0]}
            </text>
          </g>
        ))}
        <path d={g.area} fill={STROKE[tier]} opacity={0.08} />
        <path d={g.line} fill="none" stroke={STROKE[tier]} strokeWidth={1.75} strokeLinejoin="round" />
        {g.dots.map((d, i) => (
          <circle key={i} cx={d.x} cy={d.y} r={2.5} fill={STROKE[d.point.tier]}>
            <title>{`${dateTime(d.point.at)} · ${d.point.score.toFixed(3)} (${d.point.tier}) · ${d.point.reason}`}</title>
          </circle>
        ))}
        <text x={pad.l} y={height - 6} {...LABEL} data-testid="chart-label">
          {clockTime(g.start)}
        </text>
        <text x={right} y={height - 6} {...LABEL} textAnchor="end" data-testid="chart-label">
          now
        </text>
      </svg>
    </figure>
  );
}
