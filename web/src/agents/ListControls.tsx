import { useEffect, useRef, useState } from "react";
import type { HealthStatus, ListSort } from "@agentmesh/client";
import { HEALTH_ORDER, SORTS, type ListParams } from "./fleet-view";

const SORT_LABELS: Record<ListSort, string> = { name: "name", trust_score: "trust", updated_at: "last update", created_at: "registration" };

interface Props {
  params: ListParams;
  shown: number;
  total: number;
  onChange(patch: Partial<ListParams>): void;
}

export function ListControls({ params, shown, total, onChange }: Props) {
  const input = "rounded border border-zinc-800 bg-zinc-900 px-2 py-1 text-sm text-zinc-200 focus:border-sky-500/60";
  return (
    <div className="flex flex-wrap items-center gap-2">
      <SearchBox q={params.q} onSearch={(q) => onChange({ q })} className={`${input} min-w-0 flex-1 basis-56`} />
      <select aria-label="Filter by health" value={params.health ?? ""} onChange={(e) => onChange({ health: (e.target.value || null) as HealthStatus | null })} className={input}>
        <option value="">any health</option>
        {HEALTH_ORDER.map((h) => (
          <option key={h} value={h}>
            {h}
          </option>
        ))}
      </select>
      <select aria-label="Sort by" value={params.sort} onChange={(e) => onChange({ sort: e.target.value as ListSort })} className={input}>
        {SORTS.map((s) => (
          <option key={s} value={s}>
            by {SORT_LABELS[s]}
          </option>
        ))}
      </select>
      <button
        type="button"
        onClick={() => onChange({ order: params.order === "asc" ? "desc" : "asc" })}
        className={`${input} hover:bg-zinc-800`}
        data-testid="order"
        title="Reverse the order"
      >
        <span aria-hidden>{params.order === "asc" ? "↑ " : "↓ "}</span>
        {params.order === "asc" ? "ascending" : "descending"}
      </button>
      {(["protocol", "tag"] as const).map(
        (key) =>
          params[key] && (
            <button key={key} type="button" onClick={() => onChange({ [key]: null })} className={`${input} hover:bg-zinc-800`} title={`Stop filtering by ${key}`} data-testid={`filter-${key}`}>
              {key}: {params[key]} <span aria-hidden>×</span>
            </button>
          ),
      )}
      <span className="ml-auto text-xs text-muted tabular-nums" data-testid="shown-count">
        {shown === total ? `${total} agents` : `${shown} of ${total}`}
      </span>
    </div>
  );
}

/**
 * The search box holds what is typed itself and hands each change to the URL:
 * the URL's update lands later, and an input bound to it directly (or reset
 * by each late update) would drop keys typed in between. A change of the URL
 * from elsewhere (back, a shared link) replaces the text.
 */
function SearchBox({ q, onSearch, className }: { q: string; onSearch(q: string): void; className: string }) {
  const [text, setText] = useState(q);
  /** Values handed to the URL that it has not reflected yet (it may reflect them one by one, late). */
  const pending = useRef<string[]>([]);
  useEffect(() => {
    const own = pending.current.indexOf(q);
    if (own >= 0) {
      pending.current = pending.current.slice(own + 1);
      return;
    }
    pending.current = [];
    setText(q);
  }, [q]);
  return (
    <input
      type="search"
      value={text}
      onChange={(e) => {
        pending.current.push(e.target.value);
        setText(e.target.value);
        onSearch(e.target.value);
      }}
      placeholder="Search name, id, tags, skills"
      aria-label="Search agents"
      className={className}
    />
  );
}
