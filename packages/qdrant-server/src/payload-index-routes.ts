import { isRecord, resolveCollection } from "./collections-store.js";
import { badRequest, formatError } from "./errors.js";
import { ok, type Router } from "./http.js";
import { parsePayloadPath } from "./payload-paths.js";
import type { ServerContext } from "./server-context.js";
import { updateResult } from "./update-result.js";
import { assertValidName, updateTimeout } from "./validation.js";

/** The payload schema types Qdrant indexes (PayloadSchemaType). */
export const PAYLOAD_SCHEMA_TYPES = [
  "keyword",
  "integer",
  "float",
  "geo",
  "text",
  "bool",
  "datetime",
  "uuid",
];

/**
 * `PUT /collections/{c}/index` and `DELETE /collections/{c}/index/{field}`
 * (update_api.rs do_create_index / do_delete_index). Indexes only describe
 * the payload here: filters work the same with or without them.
 */
export function registerPayloadIndexRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;

  router.add(
    "PUT",
    "/collections/{collection_name}/index",
    (req) => {
      const name = req.params.collection_name as string;
      assertValidName(name, false);
      updateTimeout(req.query);
      const body = req.json();
      if (!isRecord(body) || typeof body.field_name !== "string") {
        throw formatError("missing field `field_name`");
      }
      // field_name is a JsonPath for serde: a malformed one is a 400 format error.
      parsePayloadPath(body.field_name);
      const schema = readFieldSchema(body.field_schema);
      const collection = resolveCollection(state, name);
      if (schema === undefined) {
        throw badRequest(
          "Can't auto-detect field type, please specify `field_schema` in the request",
        );
      }
      collection.payloadIndexes.set(body.field_name, { schema });
      return ok(updateResult(state, req));
    },
    { mutates: true },
  );

  router.add(
    "DELETE",
    "/collections/{collection_name}/index/{field_name}",
    (req) => {
      const name = req.params.collection_name as string;
      assertValidName(name, false);
      updateTimeout(req.query);
      const collection = resolveCollection(state, name);
      collection.payloadIndexes.delete(req.params.field_name as string);
      return ok(updateResult(state, req));
    },
    { mutates: true },
  );
}

/** A PayloadFieldSchema: a type name or `{type, …params}`; undefined when absent. */
function readFieldSchema(value: unknown): string | Record<string, unknown> | undefined {
  if (value == null) return undefined;
  if (typeof value === "string" && PAYLOAD_SCHEMA_TYPES.includes(value)) return value;
  if (
    isRecord(value) &&
    typeof value.type === "string" &&
    PAYLOAD_SCHEMA_TYPES.includes(value.type)
  ) {
    return asQdrantReportsParams(value);
  }
  throw formatError("data did not match any variant of untagged enum PayloadFieldSchema");
}

/**
 * Index params as Qdrant 1.18 reports them back: a text index always has a
 * `tokenizer` ("word" by default), and the integer, float and datetime params
 * always carry their unset options as null (Qdrant serializes those fields
 * without skipping None), each in Qdrant's field order.
 */
function asQdrantReportsParams(params: Record<string, unknown>): Record<string, unknown> {
  const { type, ...rest } = params;
  const unset = (key: string) => rest[key] ?? null;
  switch (type) {
    case "text":
      return { type, tokenizer: rest.tokenizer ?? "word", ...rest };
    case "integer":
      return {
        type,
        lookup: unset("lookup"),
        range: unset("range"),
        is_principal: unset("is_principal"),
        ...rest,
      };
    case "float":
    case "datetime":
      return { type, is_principal: unset("is_principal"), ...rest };
    default:
      return params;
  }
}
