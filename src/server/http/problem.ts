/**
 * Errors → `application/problem+json`, in one place. Known errors (AppError and
 * Fastify's own: validation, bad JSON, body too large, wrong content type) get
 * their catalogue code and a detail that says what was wrong; anything else is
 * logged with its stack and answered as a plain 500 that leaks nothing. Each
 * answer is counted by its code as it is sent.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { PATTERN_MESSAGES } from "../../shared/agent.js";
import { PROBLEMS, PROBLEM_CONTENT_TYPE, headersOf, problemType, type FieldError, type Problem, type ProblemCode } from "../../shared/problems.js";
import { AppError } from "../errors.js";

export function problem(code: ProblemCode, detail: string, errors?: FieldError[]): Problem {
  const p = PROBLEMS[code];
  return { type: problemType(code), title: p.title, status: p.status, code, detail, ...(errors?.length ? { errors } : {}) };
}

/** Called with the code of every problem answer as it is sent (the metrics' counter). */
export type ProblemCounter = (code: ProblemCode) => void;

/**
 * Sends a problem. Headers that are facts of the code (the catalogue's) come
 * first; a throw site adds what only it knows (a rate limit's own Retry-After,
 * a 405's Allow).
 */
export type SendProblem = (reply: FastifyReply, p: Problem, headers?: Record<string, string>) => FastifyReply;

/** The problem sender and the error handler of one app, counting with its counter. */
export function problemAnswers(count: ProblemCounter): { sendProblem: SendProblem; errorHandler: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply } {
  const sendProblem: SendProblem = (reply, p, headers = {}) => {
    count(p.code);
    return reply.code(p.status).headers({ ...headersOf(p.code), ...headers }).type(PROBLEM_CONTENT_TYPE).send(p);
  };
  const errorHandler = (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toProblem(err);
    if (known) return sendProblem(reply, known.problem, known.headers);
    request.log.error({ err }, "unexpected error");
    return sendProblem(reply, problem("internal", "something went wrong on the server; it has been logged"));
  };
  return { sendProblem, errorHandler };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldOf(context: string, e: AjvError): string {
  const path = e.instancePath
    .split("/")
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join("");
  const extra = e.keyword === "required" ? `.${e.params.missingProperty}` : e.keyword === "additionalProperties" ? `.${e.params.additionalProperty}` : "";
  return `${context}${path}${extra}`;
}

function messageOf(e: AjvError): string {
  if (e.keyword === "additionalProperties") return "is not a known field";
  if (e.keyword === "required") return "is required";
  if (e.keyword === "format") return `must be a valid ${e.params.format === "uri" ? "absolute URL" : e.params.format}`;
  if (e.keyword === "pattern") return PATTERN_MESSAGES[String(e.params.pattern)] ?? "contains characters that are not allowed";
  if (e.keyword === "anyOf" || e.keyword === "enum" || e.keyword === "const") return "is not one of the allowed values";
  return e.message ?? "is not valid";
}

/** Ajv reports every branch of a union; keep the most useful error per field. */
function fieldErrors(context: string, errors: AjvError[]): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const e of errors) {
    const field = fieldOf(context, e);
    if (e.keyword === "const" && byField.has(field)) continue;
    if (!byField.has(field) || e.keyword === "anyOf") byField.set(field, { field, message: messageOf(e) });
  }
  return [...byField.values()];
}

export function toProblem(err: FastifyError | AppError | Error): { problem: Problem; headers?: Record<string, string> } | null {
  if (err instanceof AppError) return { problem: problem(err.code, err.detail, err.errors), headers: err.headers };
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe.validation) {
    const context = fe.validationContext === "querystring" ? "query" : (fe.validationContext ?? "body");
    const errors = fieldErrors(context, fe.validation);
    const detail = errors.map((e) => `${e.field} ${e.message}`).join("; ");
    return { problem: problem("validation_failed", detail || "the request is not valid", errors) };
  }
  switch (fe.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { problem: problem("malformed_json", `the body is not valid JSON: ${fe.message}`) };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { problem: problem("payload_too_large", "the body is larger than this server accepts") };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { problem: problem("unsupported_media_type", "send the body as application/json") };
  }
  if (fe instanceof SyntaxError && fe.statusCode === 400) return { problem: problem("malformed_json", `the body is not valid JSON: ${fe.message}`) };
  if (fe.statusCode === 413) return { problem: problem("payload_too_large", "the body is larger than this server accepts") };
  if (fe.statusCode === 415) return { problem: problem("unsupported_media_type", "send the body as application/json") };
  if (fe.statusCode === 429) return { problem: problem("rate_limited", fe.message) };
  return null;
}
