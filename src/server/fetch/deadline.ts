/**
 * One deadline for a whole fetch (DNS, connect, headers, body) and the
 * failures it and the sockets report, for guarded-fetch.ts. The deadline
 * knows the phase it is in, so a timeout says where it ran out.
 */
import type { FetchFailureKind } from "./types.js";

export type Phase = "resolving the name" | "connecting" | "waiting for the response headers" | "reading the body";

export class Failure extends Error {
  constructor(
    readonly kind: FetchFailureKind,
    message: string,
  ) {
    super(message);
  }
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "ENODATA", "EAI_NONAME", "ESERVFAIL", "ENONAME"]);
const REFUSED_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH"]);

/** A socket, TLS or resolver error as a failure kind the registrant can act on. */
export function classify(err: unknown, phase: Phase): Failure {
  if (err instanceof Failure) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? "";
  const detail = (err as Error)?.message ?? String(err);
  if (phase === "resolving the name" || DNS_CODES.has(code)) return new Failure("dns", `the name does not resolve (${code || detail})`);
  if (REFUSED_CODES.has(code)) return new Failure("refused", `the connection was refused or reset (${code})`);
  if (code === "ETIMEDOUT") return new Failure("timeout", `timed out while ${phase}`);
  return new Failure("network", `${phase}: ${code ? `${code}: ` : ""}${detail}`);
}

/**
 * A deadline and the caller's signal as one AbortSignal; `phase` is kept up to
 * date so a timeout says where it happened.
 */
export class Deadline {
  readonly controller = new AbortController();
  phase: Phase = "resolving the name";
  timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.controller.abort();

  constructor(
    readonly ms: number,
    private readonly outer?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, ms);
    if (outer?.aborted) this.controller.abort();
    outer?.addEventListener("abort", this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The failure to report once the signal has fired. */
  failure(): Failure {
    return this.timedOut ? new Failure("timeout", `timed out after ${this.ms}ms while ${this.phase}`) : new Failure("network", "the fetch was cancelled");
  }

  /** Races a promise against the signal. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(this.failure());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.failure());
      this.signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (v) => (this.signal.removeEventListener("abort", onAbort), resolve(v)),
        (e) => (this.signal.removeEventListener("abort", onAbort), reject(e)),
      );
    });
  }

  close(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener("abort", this.onAbort);
  }
}
