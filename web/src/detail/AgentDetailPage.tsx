import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { agentKey, fetchAgent, fetchHealth, fetchTrust, healthKey, trustKey } from "../api/agent";
import { isNotFound } from "../api/http";
import { HealthBadge } from "../components/HealthBadge";
import { RelativeTime } from "../components/RelativeTime";
import { Empty, ErrorState, Loading } from "../components/states";
import { AgentEventFeed } from "../feed/EventFeed";
import { useRemoved } from "../live/LiveContext";
import { AgentCardPanel, SkillsList } from "./AgentCardPanel";
import { resolveDetail } from "./agent-detail";
import { HealthHistory } from "./HealthHistory";
import { LastHeartbeat } from "./LastHeartbeat";
import { TrustChart } from "./TrustChart";

function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="rounded border border-zinc-800 p-3">
      <h2 className="mb-2 text-[11px] font-medium tracking-wide text-muted uppercase">{title}</h2>
      {children}
    </section>
  );
}

const noRetryOn404 = (failures: number, error: unknown) => !isNotFound(error) && failures < 1;

export function AgentDetailPage() {
  const id = useParams().id ?? "";
  const removed = useRemoved();
  // Fetched on open so the heartbeat time is exact; events keep it current after.
  const agentQuery = useQuery({ queryKey: agentKey(id), queryFn: ({ signal }) => fetchAgent(id, signal), staleTime: 0, refetchOnMount: "always", retry: noRetryOn404 });
  const trust = useQuery({ queryKey: trustKey(id), queryFn: ({ signal }) => fetchTrust(id, signal), staleTime: Infinity, retry: noRetryOn404 });
  const health = useQuery({ queryKey: healthKey(id), queryFn: ({ signal }) => fetchHealth(id, signal), staleTime: Infinity, retry: noRetryOn404 });
  const detail = resolveDetail(id, removed, agentQuery.data, agentQuery.error);

  const back = (
    <Link to="/" className="text-xs text-muted hover:text-zinc-300">
      ← all agents
    </Link>
  );
  if (detail.kind === "loading") return <div className="p-4">{back}<Loading what="the agent" /></div>;
  if (detail.kind === "error") return <div className="p-4">{back}<ErrorState error={detail.error} what="the agent" onRetry={() => void agentQuery.refetch()} /></div>;
  if (detail.kind === "missing" || (detail.kind === "deregistered" && !detail.agent)) {
    return (
      <div className="p-4" data-testid="agent-missing">
        {back}
        <Empty title={detail.kind === "deregistered" ? `${id} was deregistered` : `No agent ${id}`}>
          {detail.kind === "deregistered" ? "It left the registry while this page was open." : "It is not registered (or was deregistered). This page shows it if it registers."}
        </Empty>
      </div>
    );
  }
  const agent = detail.agent!;
  const gone = detail.kind === "deregistered";

  return (
    <div className="mx-auto w-full max-w-7xl p-4" data-testid="agent-detail" data-state={detail.kind}>
      {back}
      <header className="mt-2 mb-4 flex flex-wrap items-center gap-x-3 gap-y-1">
        <h1 className={`text-xl font-semibold ${gone ? "text-zinc-400 line-through decoration-zinc-600" : "text-zinc-50"}`}>{agent.name}</h1>
        <span className="font-mono text-xs text-muted">{agent.id}</span>
        {gone ? (
          <span className="rounded bg-zinc-800 px-1.5 py-0.5 text-xs font-medium text-zinc-300 ring-1 ring-zinc-700" data-testid="deregistered">
            deregistered
          </span>
        ) : (
          <HealthBadge status={agent.health_status} />
        )}
      </header>
      {gone && (
        <div className="mb-4 rounded border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-300" role="status">
          This agent was deregistered{detail.at ? <> <RelativeTime at={detail.at} /></> : ""}. Below is the last state this page saw; it is no longer in the registry.
        </div>
      )}
      <div className={`grid gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)] ${gone ? "opacity-70" : ""}`}>
        <div className="flex min-w-0 flex-col gap-4">
          <Panel title="Trust over time">
            {trust.data ? (
              <TrustChart history={trust.data.history} score={agent.trust_score} tier={agent.trust_tier} since={agent.created_at} />
            ) : trust.isError && !gone ? (
              <ErrorState error={trust.error} what="the trust history" onRetry={() => void trust.refetch()} />
            ) : (
              <Loading what="trust history" />
            )}
          </Panel>
          <Panel title="Health">
            <div className="mb-3 flex flex-wrap items-start gap-x-6 gap-y-2">
              <div>
                <div className="text-xs text-muted">status</div>
                <HealthBadge status={agent.health_status} />
              </div>
              <div className="min-w-0">
                <div className="text-xs text-muted">last heartbeat</div>
                <LastHeartbeat agent={agent} readAt={agentQuery.dataUpdatedAt || null} checking={agentQuery.isFetching} onCheck={() => void agentQuery.refetch()} />
              </div>
            </div>
            {health.data ? <HealthHistory history={health.data.history} /> : health.isError ? null : <Loading what="health history" />}
          </Panel>
          <div className="flex max-h-80 flex-col overflow-hidden rounded border border-zinc-800">
            <AgentEventFeed agentId={agent.id} />
          </div>
        </div>
        <div className="flex min-w-0 flex-col gap-4">
          <Panel title="Card">
            <AgentCardPanel agent={agent} />
          </Panel>
          <Panel title={`Skills (${agent.skills.length})`}>
            <SkillsList agent={agent} />
          </Panel>
        </div>
      </div>
    </div>
  );
}
