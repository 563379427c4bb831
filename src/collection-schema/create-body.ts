import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";
import type { CollectionSchema } from "./collection-schema.js";
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
 * The spec that creates a collection with `schema`: every setting (params,
 * vectors, HNSW, optimizers, WAL, quantization, strict mode, metadata) and
 * its payload indexes. Only an enabled strict mode is carried: its
 * read-back form has fields the create body may not take when it is off.
 */
export function createBodyOf(schema: CollectionSchema): CollectionSpec {
  const { aliases: _aliases, payloadIndexes, strict_mode_config, metadata, ...body } = schema;
  const spec: CollectionSpec = {
    ...body,
    optimizers_config: body.optimizers_config as Schemas["OptimizersConfigDiff"],
    payloadIndexes: payloadIndexes as Record<string, PayloadIndexSchema>,
  };
  if (Object.keys(metadata).length > 0) spec.metadata = metadata as Schemas["Payload"];
  if (strict_mode_config?.enabled === true)
    spec.strict_mode_config = strict_mode_config as Schemas["StrictModeConfig"];
  return spec;
}

/**
 * A live collection as the spec that creates its twin, setting for setting
 * as the server reports it (so the twin reads back like its source, not
 * with defaults spelled out), and its payload indexes, so a copy is
 * configured and indexed like its source before the first point arrives
 * (Qdrant advises indexes first).
 */
export function specOf(info: Schemas["CollectionInfo"]): CollectionSpec {
  const { config } = info;
  const spec: CollectionSpec = {
    ...createBody(config.params),
    hnsw_config: withoutNulls(config.hnsw_config),
    optimizers_config: withoutNulls(config.optimizer_config),
    wal_config: withoutNulls(config.wal_config),
    quantization_config: (config.quantization_config ?? null) as Schemas["QuantizationConfig"],
    metadata: config.metadata ?? null,
    payloadIndexes: payloadIndexesOf(info),
  };
  const strict = config.strict_mode_config;
  if (isRecord(strict) && strict.enabled === true) {
    spec.strict_mode_config = withoutNulls(strict) as Schemas["StrictModeConfig"];
  }
  return spec;
}

/** The live payload indexes, as `payloadIndexes` of a spec. */
function payloadIndexesOf(info: Schemas["CollectionInfo"]): Record<string, PayloadIndexSchema> {
  const out: Record<string, PayloadIndexSchema> = {};
  for (const [field, index] of Object.entries(info.payload_schema ?? {})) {
    if (index) out[field] = liveIndexSchema(index) as PayloadIndexSchema;
  }
  return out;
}

function withoutNulls<T>(section: T): T | null {
  if (!isRecord(section)) return null;
  return Object.fromEntries(Object.entries(section).filter(([, v]) => v != null)) as T;
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
