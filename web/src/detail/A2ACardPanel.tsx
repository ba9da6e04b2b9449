import type { ReactNode } from "react";
import type { A2AAgentCard } from "@agentmesh/client";
import { Tag } from "../components/Tag";
import { securitySchemeLabel } from "../format/probe";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="border-t border-zinc-800/60 py-2 first:border-t-0 first:pt-0">
      <h3 className="mb-1 text-xs text-muted">{title}</h3>
      {children}
    </div>
  );
}

const modes = (label: string, list: string[] | undefined) =>
  list?.length ? (
    <span className="text-muted">
      {label} {list.join(", ")}
    </span>
  ) : null;

/**
 * The agent's A2A card as the registry serves it (the published card for an
 * agent registered from one, else its fields mapped to A2A 1.0): where it
 * listens and by which binding, how callers authenticate, and its skills with
 * their examples and media types.
 */
export function A2ACardPanel({ card, cardUrl }: { card: A2AAgentCard; cardUrl: string | null }) {
  const interfaces = card.supportedInterfaces ?? (card.url ? [{ url: card.url, protocolBinding: card.preferredTransport ?? "JSONRPC", protocolVersion: card.protocolVersion ?? "" }] : []);
  const schemes = Object.entries(card.securitySchemes ?? {});
  const capabilities = Object.entries(card.capabilities ?? {}).filter(([, on]) => on === true).map(([name]) => name);
  return (
    <div data-testid="a2a-card" className="text-sm">
      <p className="pb-2 text-xs text-muted">
        {cardUrl ? (
          <>
            Published at <span className="font-mono [overflow-wrap:anywhere] text-zinc-400">{cardUrl}</span>
          </>
        ) : (
          "Mapped from the registered fields (the agent publishes no card the registry knows of)."
        )}
      </p>
      <Section title={`Interfaces (${interfaces.length})`}>
        <ul className="space-y-1" data-testid="a2a-interfaces">
          {interfaces.map((i) => (
            <li key={`${i.url} ${i.protocolBinding}`} className="flex min-w-0 flex-wrap items-baseline gap-x-2">
              <span className="rounded bg-zinc-800 px-1 font-mono text-[11px] text-zinc-200">{i.protocolBinding}</span>
              <span className="min-w-0 font-mono text-xs [overflow-wrap:anywhere] text-zinc-300">{i.url}</span>
              {i.protocolVersion && <span className="text-xs text-muted">A2A {i.protocolVersion}</span>}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Security">
        {schemes.length === 0 ? (
          <p className="text-xs text-muted">No security scheme declared.</p>
        ) : (
          <ul className="space-y-0.5 text-xs" data-testid="a2a-security">
            {schemes.map(([name, scheme]) => (
              <li key={name}>
                <span className="font-mono text-zinc-200">{name}</span> <span className="text-zinc-400">· {securitySchemeLabel(scheme)}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      {capabilities.length > 0 && (
        <Section title="Capabilities">
          <span className="flex flex-wrap gap-1">
            {capabilities.map((c) => (
              <Tag key={c} name={c} />
            ))}
          </span>
        </Section>
      )}
      <Section title={`Skills (${card.skills.length})`}>
        <ul className="space-y-2" data-testid="a2a-skills">
          {card.skills.map((s) => (
            <li key={s.id} className="text-xs">
              <div className="flex flex-wrap items-baseline gap-x-2">
                <span className="text-sm text-zinc-100">{s.name}</span>
                <span className="font-mono text-muted">{s.id}</span>
              </div>
              {s.description && <p className="text-zinc-400">{s.description}</p>}
              <div className="flex flex-wrap gap-x-3">
                {modes("in:", s.inputModes)}
                {modes("out:", s.outputModes)}
              </div>
              {s.examples?.length ? (
                <details className="mt-0.5">
                  <summary className="cursor-pointer text-zinc-400">{s.examples.length} example{s.examples.length === 1 ? "" : "s"}</summary>
                  <ul className="mt-1 list-disc space-y-0.5 pl-4 text-zinc-400">
                    {s.examples.map((e, i) => (
                      <li key={i} className="[overflow-wrap:anywhere]">
                        {e}
                      </li>
                    ))}
                  </ul>
                </details>
              ) : null}
            </li>
          ))}
        </ul>
      </Section>
    </div>
  );
}
