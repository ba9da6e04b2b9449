/** Asks the registry whether reads need a token; shows the sign-in or the app. */
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { fetchSession, sessionKey } from "../api/session";
import { ErrorState, Loading } from "../components/states";
import { SignIn } from "./SignIn";

export function SessionGate({ children }: { children: ReactNode }) {
  const session = useQuery({ queryKey: sessionKey, queryFn: fetchSession, staleTime: Infinity, retry: 2 });
  if (session.isPending) return <Loading what="the registry" />;
  if (session.isError && !session.data) return <ErrorState error={session.error} what="the registry" onRetry={() => void session.refetch()} />;
  const { read_token_required, authenticated } = session.data;
  if (read_token_required && !authenticated) return <SignIn />;
  return <>{children}</>;
}
