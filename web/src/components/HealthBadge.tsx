import type { HealthStatus } from "@agentmesh/client";

export const HEALTH_STYLE: Record<HealthStatus, { dot: string; badge: string }> = {
  healthy: { dot: "bg-emerald-400", badge: "text-emerald-300 bg-emerald-400/10 ring-emerald-400/25" },
  degraded: { dot: "bg-amber-400", badge: "text-amber-300 bg-amber-400/10 ring-amber-400/25" },
  unhealthy: { dot: "bg-rose-500", badge: "text-rose-300 bg-rose-500/10 ring-rose-500/30" },
  offline: { dot: "bg-zinc-500", badge: "text-zinc-400 bg-zinc-500/10 ring-zinc-500/25" },
  unknown: { dot: "bg-sky-400/60", badge: "text-sky-300/80 bg-sky-400/5 ring-sky-400/20" },
};

export function HealthDot({ status }: { status: HealthStatus }) {
  return <span aria-hidden className={`inline-block size-2 shrink-0 rounded-full ${HEALTH_STYLE[status].dot}`} />;
}

export function HealthBadge({ status }: { status: HealthStatus }) {
  return (
    <span data-testid="health-badge" data-status={status} className={`inline-flex items-center gap-1.5 rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${HEALTH_STYLE[status].badge}`}>
      <HealthDot status={status} />
      {status}
    </span>
  );
}
