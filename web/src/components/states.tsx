/** Loading, empty and error states, said plainly. */
import type { ReactNode } from "react";
import { AgentMeshError } from "@agentmesh/client";
import { ApiError } from "../api/http";

export function Loading({ what }: { what: string }) {
  return (
    <div className="flex items-center gap-2 px-4 py-10 text-sm text-zinc-400" role="status">
      <span aria-hidden className="size-2 rounded-full bg-sky-400 animate-breathe" />
      Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="px-4 py-12 text-center" data-testid="empty">
      <p className="text-sm font-medium text-zinc-300">{title}</p>
      {children && <div className="mt-1 text-sm text-muted">{children}</div>}
    </div>
  );
}

export function ErrorState({ error, what, onRetry }: { error: unknown; what: string; onRetry?: () => void }) {
  const reason =
    error instanceof ApiError || error instanceof AgentMeshError
      ? `${error.message}${error.code ? ` (${error.code})` : ""}`
      : error instanceof TypeError
        ? "the registry could not be reached"
        : String(error);
  return (
    <div className="m-4 rounded border border-rose-500/30 bg-rose-500/5 px-4 py-3 text-sm" role="alert">
      <p className="font-medium text-rose-200">Could not load {what}.</p>
      <p className="mt-0.5 text-rose-200/70">{reason}</p>
      {onRetry && (
        <button type="button" onClick={onRetry} className="mt-2 rounded bg-zinc-800 px-2.5 py-1 text-xs text-zinc-200 hover:bg-zinc-700">
          Try again
        </button>
      )}
    </div>
  );
}
