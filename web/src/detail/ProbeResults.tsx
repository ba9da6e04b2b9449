import type { ProbeHealth } from "@agentmesh/client";
import { describeProbeResult } from "../format/probe";
import { clockTime } from "../format/time";

const seconds = (ms: number) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;

/** The probe as the registry runs it, and its recent results, newest first. */
export function ProbeResults({ probe }: { probe: ProbeHealth }) {
  const p = probe.probe;
  const target = p.kind === "tcp" ? `${p.host}:${p.port}` : p.url;
  const recent = [...probe.recent].reverse().slice(0, 20);
  return (
    <div data-testid="probe-results">
      <p className="mb-2 text-xs text-zinc-400">
        <span className="text-zinc-200">{p.kind}</span> probe of{" "}
        <span className="font-mono [overflow-wrap:anywhere] text-zinc-300">{target}</span> every {seconds(p.interval_ms)} (timeout {seconds(p.timeout_ms)}): failing after{" "}
        {p.failures} failure{p.failures === 1 ? "" : "s"} in a row, passing again after {p.successes} success{p.successes === 1 ? "" : "es"}. Next at {clockTime(probe.next_due_at)}.
      </p>
      {recent.length === 0 ? (
        <p className="text-sm text-muted">Not probed yet.</p>
      ) : (
        <ol className="space-y-1 text-xs">
          {recent.map((r, i) => (
            <li key={`${r.at}-${i}`} className="flex items-center gap-2" data-testid="probe-result" data-ok={r.ok}>
              <span className="w-16 shrink-0 font-mono text-muted tabular-nums">{clockTime(r.at)}</span>
              <span aria-hidden className={`inline-block size-1.5 shrink-0 rounded-[1px] ${r.ok ? "bg-emerald-400" : "bg-rose-500"}`} />
              <span className={r.ok ? "text-emerald-300" : "text-rose-300"}>{r.ok ? "ok" : "failed"}</span>
              <span className="min-w-0 [overflow-wrap:anywhere] text-zinc-400 sm:truncate" title={describeProbeResult(r)}>
                {describeProbeResult(r)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
