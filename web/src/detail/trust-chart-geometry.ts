/**
 * The trust chart's geometry: a step line (a score holds until the next change)
 * from the first known point to now, in an SVG box. Pure, tested.
 */
import type { TrustPoint } from "@agentmesh/client";

export interface ChartBox {
  width: number;
  height: number;
  /** Inner padding: left, right, top, bottom. */
  pad: { l: number; r: number; t: number; b: number };
}

export interface ChartDot {
  x: number;
  y: number;
  point: TrustPoint;
}

export interface TrustGeometry {
  /** SVG path `d` of the step line. */
  line: string;
  /** The same, closed to the bottom, for a soft fill. */
  area: string;
  dots: ChartDot[];
  /** y of a score (for the tier guides). */
  y(score: number): number;
  start: number;
  end: number;
}

/**
 * @param points oldest first, as the API answers
 * @param current the score now (drawn to `now`)
 * @param since when to start if there are no points (the agent's registration)
 */
export function trustGeometry(points: readonly TrustPoint[], current: number, since: number, now: number, box: ChartBox): TrustGeometry {
  const { width, height, pad } = box;
  const start = points.length ? Math.min(Date.parse(points[0].at), now) : Math.min(since, now);
  const end = Math.max(now, start + 1);
  const x = (t: number) => pad.l + ((t - start) / (end - start)) * (width - pad.l - pad.r);
  const y = (score: number) => pad.t + (1 - Math.min(1, Math.max(0, score))) * (height - pad.t - pad.b);
  const r = (n: number) => Math.round(n * 10) / 10;

  const steps = points.length ? points.map((p) => ({ t: Date.parse(p.at), score: p.score })) : [{ t: start, score: current }];
  let line = `M${r(x(steps[0].t))},${r(y(steps[0].score))}`;
  for (let i = 1; i < steps.length; i++) line += ` H${r(x(steps[i].t))} V${r(y(steps[i].score))}`;
  line += ` H${r(x(end))}`;
  if (points.length && Math.abs(current - steps[steps.length - 1].score) > 1e-9) line += ` V${r(y(current))}`;
  const bottom = r(height - pad.b);
  const area = `${line} V${bottom} H${r(x(steps[0].t))} Z`;
  const dots = points.map((point) => ({ x: r(x(Date.parse(point.at))), y: r(y(point.score)), point }));
  return { line, area, dots, y, start, end };
}
