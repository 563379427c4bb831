import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";
import { liveIndexSchema, type PayloadIndexSchema } from "./payload-index.js";

/** Qdrant's create-collection body plus the payload indexes the collection must have. */
export type CollectionSpec = Schemas["CreateCollection"] & {
  payloadIndexes?: Record<string, PayloadIndexSchema>;
};

/** The create body of a collection with `params` (from its info or a snapshot record): what is fixed at creation and its vectors. */
export function createBody(params: Schemas["CollectionParams"]): Schemas["CreateCollection"] {
  return {
    vectors: params.vectors,
    sparse_vectors: params.sparse_vectors ?? null,
    shard_number: params.shard_number ?? null,
    sharding_method: params.sharding_method ?? null,
    replication_factor: params.replication_factor ?? null,
    write_consistency_factor: params.write_consistency_factor ?? null,
    on_disk_payload: params.on_disk_payload ?? null,
  };
}

/**
 * A live collection as the spec that creates its twin: every setting of its
 * config (params, HNSW, optimizers, WAL, quantization, strict mode, metadata)
 * and its payload indexes, so a copy is configured and indexed like its
 * source before the first point arrives (Qdrant advises indexes first).
 */
export function specOf(info: Schemas["CollectionInfo"]): CollectionSpec {
  const { config } = info;
  const { params } = config;
  const spec: CollectionSpec = {
    ...createBody(params),
    hnsw_config: withoutNulls(config.hnsw_config),
    optimizers_config: withoutNulls(config.optimizer_config),
    wal_config: withoutNulls(config.wal_config),
    quantization_config: (config.quantization_config ?? null) as Schemas["QuantizationConfig"],
    metadata: config.metadata ?? null,
    payloadIndexes: payloadIndexesOf(info),
  };
  // Only an enabled strict mode is worth carrying over; its read-back form has
  // fields the create body may not take when it is off.
  const strict = config.strict_mode_config;
  if (isRecord(strict) && strict.enabled === true) {
    spec.strict_mode_config = withoutNulls(strict) as Schemas["StrictModeConfig"];
  }
  return spec;
}

/** The live payload indexes, as `payloadIndexes` of a spec. */
export function payloadIndexesOf(
  info: Schemas["CollectionInfo"],
): Record<string, PayloadIndexSchema> {
  const out: Record<string, PayloadIndexSchema> = {};
  for (const [field, index] of Object.entries(info.payload_schema ?? {})) {
    if (index) out[field] = liveIndexSchema(index) as PayloadIndexSchema;
  }
  return out;
}

/**
 * `base` with what `change` states: `vectors` and `sparse_vectors` as a
 * whole (the new collection's vectors), settings sections key by key,
 * payload indexes added to (or replacing) the base's.
 */
export function applySpec(base: CollectionSpec, change: CollectionSpec): CollectionSpec {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    const current = out[key];
    const whole = key === "vectors" || key === "sparse_vectors";
    out[key] = !whole && isRecord(current) && isRecord(value) ? { ...current, ...value } : value;
  }
  return out as CollectionSpec;
}

function withoutNulls<T>(section: T): T | null {
  if (!isRecord(section)) return null;
  return Object.fromEntries(Object.entries(section).filter(([, v]) => v != null)) as T;
}
