import { isRecord } from "../util/objects.js";
import type { CollectionSchema } from "./collection-schema.js";
import { isSingleVector } from "./live-vectors.js";
import { pathText, sameValue, show } from "./values.js";

/** One difference between two schemas, at a path of the create-collection body. */
export interface SchemaChange {
  /** `vectors.text.size`, `payloadIndexes.lang`, `hnsw_config.m`, `aliases`. */
  field: string;
  path: string[];
  /** Undefined where `a` lacks it. */
  before: unknown;
  /** Undefined where `b` lacks it. */
  after: unknown;
}

/**
 * Every difference from schema `a` to schema `b`, in path order; empty when
 * they match. Both are in normal form (`schemaOf`), so a plain comparison
 * is Qdrant's meaning: what one lacks and the other has as null is the same.
 * A named vector, sparse vector or payload index that only one side has is
 * one difference (the whole entry), as are a quantization config, a
 * multivector config and the alias list; settings differ key by key.
 */
export function diffSchemas(a: CollectionSchema, b: CollectionSchema): SchemaChange[] {
  const out: SchemaChange[] = [];
  const { vectors: va, aliases: aa, ...restA } = a;
  const { vectors: vb, aliases: ab, ...restB } = b;
  const singleA = isSingleVector(va);
  if (singleA !== isSingleVector(vb)) change(["vectors"], va, vb, out);
  else if (singleA) walk(["vectors"], va, vb, out);
  else entries(["vectors"], va, vb, out);
  for (const key of [...new Set([...Object.keys(restA), ...Object.keys(restB)])].sort()) {
    const x = (restA as Record<string, unknown>)[key];
    const y = (restB as Record<string, unknown>)[key];
    if (ENTRY_MAPS.has(key)) entries([key], x, y, out);
    else walk([key], x, y, out);
  }
  if (!sameValue([...aa].sort(), [...ab].sort())) change(["aliases"], aa, ab, out);
  return out;
}

/** A change as `check` prints it: `vectors.text.size: 4 → 8`. */
export function describeChange(c: SchemaChange): string {
  return `${c.field}: ${show(c.before)} → ${show(c.after)}`;
}

/** Maps whose entries come and go whole. */
const ENTRY_MAPS = new Set(["sparse_vectors", "payloadIndexes"]);
/** Settings Qdrant replaces whole, and payload indexes, compared as one value. */
const WHOLE = new Set(["quantization_config", "multivector_config"]);

function entries(path: string[], a: unknown, b: unknown, out: SchemaChange[]): void {
  const x = isRecord(a) ? a : {};
  const y = isRecord(b) ? b : {};
  for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
    const p = [...path, key];
    if (!(key in x) || !(key in y) || path[0] === "payloadIndexes") {
      if (!sameValue(x[key], y[key])) change(p, x[key], y[key], out);
    } else walk(p, x[key], y[key], out);
  }
}

function walk(path: string[], a: unknown, b: unknown, out: SchemaChange[]): void {
  const last = path[path.length - 1] ?? "";
  // Metadata is merged one key deep: each key's value is one setting.
  const leaf = WHOLE.has(last) || (path[0] === "metadata" && path.length === 2);
  const records = (isRecord(a) || a == null) && (isRecord(b) || b == null);
  if (!leaf && records && (isRecord(a) || isRecord(b))) {
    const x = isRecord(a) ? a : {};
    const y = isRecord(b) ? b : {};
    for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
      walk([...path, key], x[key], y[key], out);
    }
    return;
  }
  if (!sameValue(a, b)) change(path, a, b, out);
}

function change(path: string[], before: unknown, after: unknown, out: SchemaChange[]): void {
  out.push({ field: pathText(path), path, before: before ?? undefined, after: after ?? undefined });
}
