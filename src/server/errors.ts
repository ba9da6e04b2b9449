/**
 * The one error type the server throws on purpose: a code from the shared
 * catalogue (src/shared/problems.ts) and a detail for humans. The HTTP layer
 * turns it into a problem answer in one place (http/problem.ts).
 */
import type { CardProblemReason, FieldError, ProblemCode } from "../shared/problems.js";

export class AppError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
    /** For `card_unusable`: why the card cannot be used. */
    readonly reason?: CardProblemReason,
  ) {
    super(detail);
    this.name = "AppError";
  }
}
