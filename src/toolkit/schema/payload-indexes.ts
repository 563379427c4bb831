import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../../util/objects.js";
import { PayloadIndexConflictError } from "./errors.js";
import { sameValue } from "./values.js";

export type PayloadIndexSchema = Schemas["PayloadFieldSchema"];

/** What a schema operation did: `changed` is false when the state was already the wanted one. */
export interface SchemaChangeResult {
  changed: boolean;
}

/**
 * Qdrant's defaults for each index type's parameters. The server reports some
 * of them back filled in (a text index created as `{type: "text"}` reads
 * back with `tokenizer: "word"`), so a spec that leaves a default out and
 * the live index that spells it out are the same index.
 */
const INDEX_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  keyword: { is_tenant: false, on_disk: false },
  integer: { lookup: true, range: true, is_principal: false, on_disk: false },
  float: { is_principal: false, on_disk: false },
  datetime: { is_principal: false, on_disk: false },
  uuid: { is_tenant: false, on_disk: false },
  text: {
    tokenizer: "word",
    lowercase: true,
    phrase_matching: false,
    ascii_folding: false,
    on_disk: false,
  },
  bool: { on_disk: false },
  geo: { on_disk: false },
};

/**
 * Creates a payload index on `field` unless one with the same schema exists;
 * one with another schema is refused (`PayloadIndexConflictError`), so a
 * re-run never silently rebuilds an index. Through `client`, the step's
 * tracking client: the engine undoes the creation on rollback.
 */
export async function createPayloadIndex(
  client: QdrantClient,
  collection: string,
  field: string,
  schema: PayloadIndexSchema,
): Promise<SchemaChangeResult> {
  const { payload_schema } = await client.getCollection(collection);
  const live = payload_schema[field];
  if (live) {
    if (sameIndex(live, schema)) return { changed: false };
    throw new PayloadIndexConflictError(collection, field, liveIndexSchema(live), schema);
  }
  await client.createPayloadIndex(collection, {
    field_name: field,
    field_schema: schema,
    wait: true,
  });
  return { changed: true };
}

/** Drops the payload index on `field`; nothing to do when there is none. */
export async function dropPayloadIndex(
  client: QdrantClient,
  collection: string,
  field: string,
): Promise<SchemaChangeResult> {
  const { payload_schema } = await client.getCollection(collection);
  if (!payload_schema[field]) return { changed: false };
  await client.deletePayloadIndex(collection, field, { wait: true });
  return { changed: true };
}

/** A live index as a spec would write it: its params, or its bare type. */
export function liveIndexSchema(live: Schemas["PayloadIndexInfo"]): unknown {
  return live.params ?? live.data_type;
}

/** Whether the live index is the one `wanted` describes, defaults spelled out or not. */
export function sameIndex(live: Schemas["PayloadIndexInfo"], wanted: PayloadIndexSchema): boolean {
  return sameValue(canonicalIndex(liveIndexSchema(live)), canonicalIndex(wanted));
}

function canonicalIndex(schema: unknown): Record<string, unknown> {
  if (typeof schema === "string") return { type: schema };
  if (!isRecord(schema)) return { type: String(schema) };
  const defaults = INDEX_DEFAULTS[String(schema.type)] ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (value == null || sameValue(value, defaults[key])) continue;
    out[key] = value;
  }
  return out;
}
