/**
 * Shown when the registry requires a read token. The token goes once, in a
 * POST body, to /api/v1/session, which answers with an HttpOnly cookie; the
 * page keeps nothing and puts nothing in a URL.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/http";
import { sessionKey, signIn } from "../api/session";

export function SignIn() {
  const queryClient = useQueryClient();
  const [token, setToken] = useState("");
  const mutation = useMutation({
    mutationFn: signIn,
    onSuccess: async () => {
      setToken("");
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
      await queryClient.invalidateQueries({ queryKey: sessionKey });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim()) mutation.mutate(token.trim());
  };
  const error = mutation.error instanceof ApiError && mutation.error.status === 401 ? "That is not this registry's read token." : mutation.error ? "The registry could not be reached." : null;
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form onSubmit={submit} className="w-full max-w-sm rounded-lg border border-zinc-800 bg-zinc-900/60 p-6" aria-label="Sign in">
        <h1 className="text-lg font-semibold text-zinc-100">AgentMesh</h1>
        <p className="mt-1 text-sm text-zinc-400">This registry requires its read token to view agents.</p>
        <label className="mt-4 block text-xs text-zinc-400" htmlFor="read-token">
          Read token
        </label>
        <input
          id="read-token"
          name="password"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          className="mt-1 w-full rounded border border-zinc-700 bg-zinc-950 px-2 py-1.5 text-sm text-zinc-100 focus:border-sky-500/60"
        />
        {error && (
          <p className="mt-2 text-sm text-rose-300" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={mutation.isPending || !token.trim()} className="mt-4 w-full rounded bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-500 disabled:opacity-50">
          {mutation.isPending ? "Signing in…" : "Sign in"}
        </button>
        <p className="mt-3 text-xs text-muted">The token is exchanged for a session cookie; it is not stored by this page.</p>
      </form>
    </main>
  );
}
