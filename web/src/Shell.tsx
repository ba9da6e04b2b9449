/** The signed-in app: header with the connection indicator, the page, and the page's one event stream. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, Outlet } from "react-router";
import { fetchSession, sessionKey, signOut } from "./api/session";
import { ConnectionIndicator, StaleBanner } from "./components/ConnectionIndicator";
import { useEvents } from "./hooks/useEvents";

export function Shell() {
  const connection = useEvents();
  const queryClient = useQueryClient();
  const session = useQuery({ queryKey: sessionKey, queryFn: fetchSession, staleTime: Infinity });
  const out = useMutation({ mutationFn: signOut, onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey }) });

  // A stream that keeps failing may mean the session ended (token changed):
  // re-ask, so the sign-in shows instead of endless reconnects.
  const down = connection.status === "reconnecting" || connection.status === "offline";
  useEffect(() => {
    if (down && session.data?.read_token_required) void queryClient.invalidateQueries({ queryKey: sessionKey });
  }, [down, connection.nextAttemptAt, session.data?.read_token_required, queryClient]);

  return (
    <div className="flex min-h-screen flex-col">
      <header className="sticky top-0 z-20 flex h-12 shrink-0 items-center gap-4 border-b border-zinc-800 bg-zinc-950/95 px-4 backdrop-blur">
        <Link to="/" className="flex items-center gap-2 font-semibold tracking-tight text-zinc-100">
          <svg viewBox="0 0 16 16" className="size-4" aria-hidden>
            <circle cx="3" cy="4" r="2" fill="#34d399" />
            <circle cx="13" cy="4" r="2" fill="#38bdf8" />
            <circle cx="8" cy="13" r="2" fill="#a78bfa" />
            <path d="M3 4 L13 4 L8 13 Z" fill="none" stroke="#52525b" strokeWidth="1" />
          </svg>
          AgentMesh
        </Link>
        <div className="ml-auto flex min-w-0 items-center gap-4">
          <ConnectionIndicator state={connection} />
          {session.data?.read_token_required && (
            <button type="button" onClick={() => out.mutate()} className="text-xs text-muted hover:text-zinc-300">
              sign out
            </button>
          )}
        </div>
      </header>
      <StaleBanner state={connection} />
      <main className="flex min-h-0 flex-1 flex-col">
        <Outlet />
      </main>
    </div>
  );
}
