import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";
import { sameValue } from "./values.js";

export type PayloadIndexSchema = Schemas["PayloadFieldSchema"];

/** A payload index as the journal's snapshot records keep it: Qdrant's `payload_schema` entry without its volatile `points`. */
export type RecordedPayloadIndex = { data_type: string; params?: unknown };

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

/** A live (or recorded) index as a spec would write it: its params, or its bare type. */
export function liveIndexSchema(live: RecordedPayloadIndex): unknown {
  return live.params ?? live.data_type;
}

/**
 * A recorded index in either form the journal holds (`{type, ...params}` as
 * `canonicalIndex` writes it, or Qdrant's own `{data_type, params}` of older
 * rows) as Qdrant reports it in `payload_schema`.
 */
export function reportedIndexOf(recorded: Record<string, unknown>): RecordedPayloadIndex {
  if (typeof recorded.data_type === "string") {
    return recorded.params === undefined
      ? { data_type: recorded.data_type }
      : { data_type: recorded.data_type, params: recorded.params };
  }
  const canonical = canonicalIndex(recorded);
  const type = String(canonical.type);
  return Object.keys(canonical).length > 1
    ? { data_type: type, params: canonical }
    : { data_type: type };
}

/** Whether the live index is the one `wanted` describes, defaults spelled out or not. */
export function sameIndex(live: RecordedPayloadIndex, wanted: unknown): boolean {
  return sameValue(canonicalIndex(liveIndexSchema(live)), canonicalIndex(wanted));
}

/**
 * An index schema in one form: `{type, ...params}` without the parameters
 * that equal Qdrant's defaults, so `"keyword"` and `{type: "keyword",
 * is_tenant: false}` read the same. A valid `field_schema` to create it with.
 */
export function canonicalIndex(schema: unknown): Record<string, unknown> {
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

/** The live payload indexes as the journal's snapshot records keep them. */
export function payloadSchemaOf(
  info: Schemas["CollectionInfo"],
): Record<string, RecordedPayloadIndex> {
  const out: Record<string, RecordedPayloadIndex> = {};
  for (const [field, index] of Object.entries(info.payload_schema ?? {})) {
    if (!index) continue;
    out[field] = index.params
      ? { data_type: index.data_type, params: index.params }
      : { data_type: index.data_type };
  }
  return out;
}
