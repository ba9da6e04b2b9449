/**
 * Validation at the edge. Bodies are checked strictly (no type coercion, unknown
 * fields rejected, not silently dropped); query strings, params and headers are
 * text on the wire, so there numbers and booleans are coerced.
 *
 * Every fault of a request is reported, up to `MAX_FAULTS` fields, so a client
 * fixes them in one round; the bound keeps a hostile body from making the
 * answer large.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";
import { LINE_PATTERN, PATTERN_MESSAGES, TEXT_PATTERN } from "../../shared/agent.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const MAX_FAULTS = 10;

export interface MetadataLimits {
  maxDepth: number;
  maxKeyLength: number;
}

interface Fault {
  /** JSON Pointer below the checked value. */
  path: string;
  message: string;
}

const lineRe = new RegExp(LINE_PATTERN, "u");
const textRe = new RegExp(TEXT_PATTERN, "u");
const pointer = (key: string | number) => `/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;

/**
 * Depth, keys and strings of a free-form JSON value, walked with an explicit
 * stack: a value nested 30,000 levels deep (60 KB, inside the body limit)
 * must get its 400, not overflow the call stack the way a recursive walk (or
 * JSON.stringify) would. A bad key is reported at the object holding it, so the answer never
 * echoes the key; the walk stops at `MAX_FAULTS` faults or at the first level
 * too deep.
 */
export function metadataFaults(value: unknown, limits: MetadataLimits): Fault[] {
  const faults: Fault[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 1 }];
  while (stack.length && faults.length < MAX_FAULTS) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") {
      if (!textRe.test(value)) faults.push({ path, message: PATTERN_MESSAGES[TEXT_PATTERN] });
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth > limits.maxDepth) return [{ path: "", message: `must not be nested more than ${limits.maxDepth} levels deep` }];
    const children: { value: unknown; path: string; depth: number }[] = [];
    if (Array.isArray(value)) {
      value.forEach((item, i) => children.push({ value: item, path: path + pointer(i), depth: depth + 1 }));
    } else {
      for (const [key, item] of Object.entries(value)) {
        if (key.length > limits.maxKeyLength) faults.push({ path, message: `has a key longer than ${limits.maxKeyLength} characters` });
        else if (!lineRe.test(key)) faults.push({ path, message: "has a key with control characters or unpaired surrogates" });
        else children.push({ value: item, path: path + pointer(key), depth: depth + 1 });
      }
    }
    // Reversed onto the stack so values are visited in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return faults.slice(0, MAX_FAULTS);
}

function checkMetadata(this: unknown, limits: MetadataLimits, data: unknown, _parent: unknown, cxt?: { instancePath: string }): boolean {
  const faults = metadataFaults(data, limits);
  if (!faults.length) return true;
  checkMetadata.errors = faults.map((f) => ({
    keyword: "x-metadata-limits",
    instancePath: `${cxt?.instancePath ?? ""}${f.path}`,
    schemaPath: "",
    params: {},
    message: f.message,
  }));
  return false;
}
checkMetadata.errors = null as Partial<ErrorObject>[] | null;

/**
 * A union (`provider: string | null`) fails each of its branches: when one
 * branch has the right type, its own errors say what is wrong and the other
 * branches' type mismatches and the union's "must match a schema" are noise.
 */
function withoutUnionNoise(errors: ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  for (const union of errors) {
    if (union.keyword !== "anyOf") continue;
    const branches = errors.filter((e) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`));
    if (!branches.some((e) => e.keyword !== "type" && e.keyword !== "anyOf")) continue;
    drop.add(union);
    for (const e of branches) if (e.keyword === "type") drop.add(e);
  }
  return drop.size ? errors.filter((e) => !drop.has(e)) : errors;
}

const fieldKey = (e: ErrorObject) => `${e.instancePath}|${e.params.missingProperty ?? e.params.additionalProperty ?? ""}`;

/** The errors of the first `MAX_FAULTS` fields at fault. */
function bounded(errors: ErrorObject[]): ErrorObject[] {
  const fields = new Set<string>();
  return errors.filter((e) => {
    const key = fieldKey(e);
    if (!fields.has(key) && fields.size >= MAX_FAULTS) return false;
    fields.add(key);
    return true;
  });
}

function make(options: Options): Ajv {
  // allErrors is safe here: bodies are bounded by the body limit and query strings by the URL length.
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...options });
  addFormats(ajv);
  ajv.addKeyword({ keyword: "x-metadata-limits", type: "object", schemaType: "object", errors: true, validate: checkMetadata as never });
  return ajv;
}

function tidied(validate: ValidateFunction): ValidateFunction {
  const run = ((data: unknown, cxt?: unknown) => {
    const ok = validate(data, cxt as never);
    run.errors = ok ? null : bounded(withoutUnionNoise(validate.errors ?? []));
    return ok;
  }) as ValidateFunction;
  // Fastify passes the request as parent data (so coercion can replace the root) only when this is set.
  run.schemaEnv = validate.schemaEnv;
  return run;
}

/** Schemas validated with another schema than the one that documents them (`validatedAs`). */
const substitutes = new WeakMap<object, object>();

/**
 * `schema` documents the input (OpenAPI, the handler's type) and `validation`
 * checks it: for a union told apart by a key, documented as `anyOf` (what
 * client generators read) and checked as `if`/`then`/`else`, so a bad input
 * is told the faults of the form it meant rather than those of every branch.
 * The two must accept the same inputs.
 */
export function validatedAs<T extends object>(schema: T, validation: object): T {
  substitutes.set(schema, validation);
  return schema;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = make({ coerceTypes: false });
  const text = make({ coerceTypes: "array" });
  return ({ schema, httpPart }) => tidied((httpPart === "body" ? body : text).compile(substitutes.get(schema as object) ?? (schema as object)));
}
