import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { expect } from "vitest";

/**
 * Checks requests and responses against Qdrant's own OpenAPI spec
 * (test/fixtures/qdrant-openapi.json, v1.19), the way Qdrant's REST tests do
 * (tests/openapi/helpers.py). OpenAPI 3.0's `nullable` is turned into JSON
 * Schema's `null` type, and Qdrant's numeric formats (uint, uint64, double, …)
 * are checked as what they name.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

const SPEC_ID = "qdrant-openapi";
const specPath = fileURLToPath(new URL("../fixtures/qdrant-openapi.json", import.meta.url));
const spec = toJsonSchema(JSON.parse(readFileSync(specPath, "utf8"))) as JsonObject;

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
const integerFormat = (min: number, max: number) => ({
  type: "number" as const,
  validate: (n: number) => Number.isInteger(n) && n >= min && n <= max,
});
ajv.addFormat("uint", integerFormat(0, Number.MAX_SAFE_INTEGER));
ajv.addFormat("uint8", integerFormat(0, 255));
ajv.addFormat("uint32", integerFormat(0, 2 ** 32 - 1));
ajv.addFormat("uint64", integerFormat(0, Number.MAX_SAFE_INTEGER));
ajv.addFormat("int64", integerFormat(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
ajv.addFormat("float", { type: "number", validate: (n: number) => Number.isFinite(n) });
// Qdrant's snapshot creation_time: a date-time without a zone, e.g. 2022-08-04T10:49:10.
ajv.addFormat("partial-date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
ajv.addFormat("binary", () => true);
ajv.addSchema({ $id: SPEC_ID, components: spec.components });

const cache = new Map<string, ValidateFunction>();

function operation(method: string, pathTemplate: string): JsonObject {
  const paths = spec.paths as Record<string, Record<string, JsonObject>>;
  const op = paths[pathTemplate]?.[method.toLowerCase()];
  if (!op) throw new Error(`The OpenAPI spec has no ${method.toUpperCase()} ${pathTemplate}`);
  return op;
}

function validator(key: string, schema: Json): ValidateFunction {
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(schema as JsonObject);
    cache.set(key, validate);
  }
  return validate;
}

function jsonSchemaOf(content: Json): Json | undefined {
  const media = (content as Record<string, { schema?: Json }> | undefined)?.["application/json"];
  return media?.schema;
}

/**
 * Asserts that `body` is what the spec allows `METHOD pathTemplate` to answer
 * with `status` (falling back to its `4XX`/`default` responses). For a
 * successful enveloped answer it also requires `status: "ok"`, a numeric `time`
 * and `result`, which the spec lists but does not mark required.
 */
export function expectValidResponse(
  method: string,
  pathTemplate: string,
  status: number,
  body: unknown,
): void {
  const responses = operation(method, pathTemplate).responses as Record<string, JsonObject>;
  const chosen =
    responses[String(status)] ??
    (status >= 400 && status < 500 ? responses["4XX"] : undefined) ??
    responses.default;
  if (!chosen) {
    throw new Error(`The spec allows no ${status} for ${method.toUpperCase()} ${pathTemplate}`);
  }
  const schema = jsonSchemaOf(chosen.content);
  if (schema === undefined) return;
  const key = `res ${method.toUpperCase()} ${pathTemplate} ${status}`;
  const validate = validator(key, schema);
  const valid = validate(body);
  expect(valid, `${key}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  const properties = (schema as JsonObject).properties as JsonObject | undefined;
  if (status < 300 && properties?.result !== undefined) {
    expect(body).toMatchObject({ status: "ok", time: expect.any(Number) });
    expect(body).toHaveProperty("result");
  }
}

/** Asserts that `body` is a request body the spec accepts for `METHOD pathTemplate`. */
export function expectValidRequest(method: string, pathTemplate: string, body: unknown): void {
  const requestBody = operation(method, pathTemplate).requestBody as JsonObject | undefined;
  const schema = jsonSchemaOf(requestBody?.content);
  if (schema === undefined) {
    throw new Error(`The spec has no JSON body for ${method.toUpperCase()} ${pathTemplate}`);
  }
  const key = `req ${method.toUpperCase()} ${pathTemplate}`;
  const validate = validator(key, schema);
  const valid = validate(body);
  expect(valid, `${key}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

/** OpenAPI 3.0 → JSON Schema: `nullable`, and refs into the registered spec. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== "object" || node === null) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "$ref" && typeof value === "string" && value.startsWith("#/")
        ? `${SPEC_ID}${value}`
        : toJsonSchema(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (out.type === undefined && out.$ref === undefined && out.anyOf === undefined) {
      out.type = "null";
    } else if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else {
      return { anyOf: [out, { type: "null" }] };
    }
  }
  return out;
}
