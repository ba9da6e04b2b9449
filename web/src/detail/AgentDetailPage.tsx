import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { agentKey, cardKey, fetchAgent, fetchCard, fetchHealth, fetchTrust, healthKey, trustKey } from "../api/agent";
import { cardUrlOf, probeOf, type ProbedAgent } from "../api/probe-view";
import { isNotFound } from "../api/http";
import { HealthBadge } from "../components/HealthBadge";
import { ProbeState } from "../components/ProbeState";
import { RelativeTime } from "../components/RelativeTime";
import { Empty, ErrorState, Loading } from "../components/states";
import { AgentEventFeed } from "../feed/EventFeed";
import { useRemoved } from "../live/LiveContext";
import { A2ACardPanel } from "./A2ACardPanel";
import { AgentCardPanel, SkillsList } from "./AgentCardPanel";
import { resolveDetail } from "./agent-detail";
import { HealthExplained } from "./HealthExplained";
import { HealthHistory } from "./HealthHistory";
import { LastHeartbeat } from "./LastHeartbeat";
import { ProbeResults } from "./ProbeResults";
import { TrustChart } from "./TrustChart";

function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="rounded border border-zinc-800 p-3">
      <h2 className="mb-2 text-[11px] font-medium tracking-wide text-muted uppercase">{title}</h2>
      {children}
    </section>
  );
}

/** What the agent's A2A card is made of: a change refetches the card. */
const cardFingerprint = (a: ProbedAgent | undefined) =>
  a ? JSON.stringify([a.name, a.description, a.version, a.endpoint, a.protocol, a.provider, a.skills, a.card_url ?? null]) : "";

const noRetryOn404 = (failures: number, error: unknown) => !isNotFound(error) && failures < 1;

export function AgentDetailPage() {
  const id = useParams().id ?? "";
  const removed = useRemoved();
  // Fetched on open so the heartbeat time is exact; events keep it current after.
  const agentQuery = useQuery({ queryKey: agentKey(id), queryFn: ({ signal }) => fetchAgent(id, signal), staleTime: 0, refetchOnMount: "always", retry: noRetryOn404 });
  const trust = useQuery({ queryKey: trustKey(id), queryFn: ({ signal }) => fetchTrust(id, signal), staleTime: Infinity, retry: noRetryOn404 });
  const health = useQuery({ queryKey: healthKey(id), queryFn: ({ signal }) => fetchHealth(id, signal), staleTime: Infinity, retry: noRetryOn404 });
  const detail = resolveDetail(id, removed, agentQuery.data, agentQuery.error);
  const shown = detail.kind === "live" || detail.kind === "deregistered" ? (detail.agent ?? undefined) : undefined;
  const card = useQuery({
    queryKey: cardKey(id, cardFingerprint(shown)),
    queryFn: ({ signal }) => fetchCard(id, signal),
    staleTime: Infinity,
    enabled: shown !== undefined && detail.kind === "live",
    retry: noRetryOn404,
  });
  const healthView = health.data;

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
          <>
            <HealthBadge status={agent.health_status} />
            <ProbeState probe={probeOf(agent)} />
          </>
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
            <HealthExplained agent={agent} health={healthView} />
            {health.data ? <HealthHistory history={health.data.history} /> : health.isError ? null : <Loading what="health history" />}
            {healthView?.probe && (
              <div className="mt-3 border-t border-zinc-800/60 pt-2">
                <h3 className="mb-1 text-xs text-muted">Recent probes</h3>
                <ProbeResults probe={healthView.probe} />
              </div>
            )}
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
          <Panel title="A2A card">
            {card.data ? (
              <A2ACardPanel card={card.data} cardUrl={cardUrlOf(agent)} />
            ) : card.isError ? (
              isNotFound(card.error) ? (
                <p className="text-sm text-muted">This registry serves no A2A card for the agent.</p>
              ) : (
                <ErrorState error={card.error} what="the A2A card" onRetry={() => void card.refetch()} />
              )
            ) : gone ? (
              <p className="text-sm text-muted">Not available after deregistration.</p>
            ) : (
              <Loading what="the A2A card" />
            )}
          </Panel>
        </div>
      </div>
    </div>
  );
}
