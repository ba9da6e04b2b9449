import type { ReactNode } from "react";
import type { Agent } from "@agentmesh/client";
import { RelativeTime } from "../components/RelativeTime";
import { Tag } from "../components/Tag";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-2 py-1">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="min-w-0 text-sm text-zinc-200">{children}</dd>
    </div>
  );
}

/** What the agent says about itself, and the registry's bookkeeping. */
export function AgentCardPanel({ agent }: { agent: Agent }) {
  return (
    <div data-testid="agent-card">
      {agent.description && <p className="pb-2 text-sm text-zinc-300">{agent.description}</p>}
      <dl className={`divide-y divide-zinc-800/60 ${agent.description ? "border-t border-zinc-800/60" : ""}`}>
      <Field label="endpoint">
        <span className="block truncate font-mono text-xs" title={agent.endpoint}>
          {agent.endpoint}
        </span>
      </Field>
      <Field label="protocol">{agent.protocol}</Field>
      <Field label="version">
        <span className="font-mono text-xs">{agent.version}</span>
      </Field>
      <Field label="provider">{agent.provider ?? <span className="text-muted">—</span>}</Field>
      <Field label="tags">
        {agent.tags.length ? (
          <span className="flex flex-wrap gap-1">
            {agent.tags.map((t) => (
              <Tag key={t} name={t} />
            ))}
          </span>
        ) : (
          <span className="text-muted">—</span>
        )}
      </Field>
      <Field label="registered">
        <RelativeTime at={agent.created_at} />
      </Field>
      <Field label="last change">
        <RelativeTime at={agent.updated_at} /> <span className="text-xs text-muted">· revision {agent.revision}</span>
      </Field>
      {agent.metadata && Object.keys(agent.metadata).length > 0 && (
        <Field label="metadata">
          <pre className="overflow-x-auto font-mono text-[11px] text-zinc-400">{JSON.stringify(agent.metadata, null, 2)}</pre>
        </Field>
      )}
      </dl>
    </div>
  );
}

export function SkillsList({ agent }: { agent: Agent }) {
  if (agent.skills.length === 0) return <p className="text-sm text-muted">No skills declared.</p>;
  return (
    <ul className="space-y-2" data-testid="skills">
      {agent.skills.map((s) => (
        <li key={s.name}>
          <div className="flex flex-wrap items-baseline gap-2">
            <span className="font-mono text-sm [overflow-wrap:anywhere] text-zinc-100">{s.name}</span>
            {s.tags?.map((t) => (
              <Tag key={t} name={t} small />
            ))}
          </div>
          {s.description && <p className="text-xs text-zinc-400">{s.description}</p>}
        </li>
      ))}
    </ul>
  );
}
