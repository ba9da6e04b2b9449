/**
 * Read-token sign-in. The token is POSTed once in a body and exchanged for an
 * HttpOnly cookie; the page never stores it and never puts it in a URL.
 */
import { api } from "./http";

export interface Session {
  read_token_required: boolean;
  authenticated: boolean;
}

export const sessionKey = ["session"] as const;

export const fetchSession = () => api<Session>("/session");
export const signIn = (token: string) => api<void>("/session", { method: "POST", body: JSON.stringify({ token }) });
export const signOut = () => api<void>("/session", { method: "DELETE" });
