/**
 * Validation at the edge. Bodies are checked strictly (no type coercion, unknown
 * fields rejected, not silently dropped); query strings, params and headers are
 * text on the wire, so there numbers and booleans are coerced.
 */
import { Ajv, type Options } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function make(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = make({ coerceTypes: false });
  const text = make({ coerceTypes: "array" });
  return ({ schema, httpPart }) => (httpPart === "body" ? body : text).compile(schema as object);
}
