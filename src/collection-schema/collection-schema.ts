import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";
import { canonicalIndex } from "./payload-index.js";
import { canonical, sameValue } from "./values.js";

/** The metadata key qdrant-migrate writes on each collection it migrates; not part of its schema. */
export const STAMP_KEY = "qdrant_migrate";

type VectorParams = Schemas["VectorParams"];
type SparseVectorParams = Schemas["SparseVectorParams"];

/**
 * A collection's schema in one normal form, shaped like the body that
 * creates it (plus its payload indexes and aliases), so it reads the same
 * whichever Qdrant version reported it and however it was set:
 *
 * - a setting reported as `null`, left out, or an empty section are the same: absent;
 * - what Qdrant 1.18 leaves out when unset but echoes when set explicitly
 *   is filled in with its default (a dense vector's `datatype: "float32"`
 *   and `on_disk: false`, a sparse vector's `modifier: "none"`,
 *   `shard_number: 1`, `sharding_method: "auto"`);
 * - a vector's own HNSW setting equal to the collection's it would inherit is absent;
 * - payload indexes in `canonicalIndex` form, without their point counts;
 * - metadata without this tool's own stamp; aliases sorted.
 *
 * Comparing two (`diffSchemas`) needs no rule of its own beyond this.
 */
export interface CollectionSchema {
  /** One unnamed vector, or named ones by name. */
  vectors: VectorParams | Record<string, VectorParams>;
  sparse_vectors: Record<string, SparseVectorParams>;
  shard_number: number;
  sharding_method: "auto" | "custom";
  replication_factor?: number;
  write_consistency_factor?: number;
  read_fan_out_factor?: number;
  on_disk_payload?: boolean;
  hnsw_config: Partial<Schemas["HnswConfig"]>;
  optimizers_config: Partial<Schemas["OptimizersConfig"]>;
  wal_config: Partial<Schemas["WalConfig"]>;
  quantization_config?: Schemas["QuantizationConfig"];
  strict_mode_config?: Schemas["StrictModeConfigOutput"];
  metadata: Record<string, unknown>;
  /** By field, each as `canonicalIndex` writes it (a valid `field_schema`). */
  payloadIndexes: Record<string, Record<string, unknown>>;
  aliases: string[];
}

/**
 * A schema as JSON for the journal: the columns of a `qdrant_schema_versions`
 * row. `config` keeps Qdrant's own `CollectionConfig` shape (without
 * `params.vectors`), as rows written before this module did, so old and new
 * rows read back through the same `schemaFromRecord`.
 */
export interface SchemaRecord {
  vectorsConfig: unknown;
  payloadSchema: unknown;
  config: unknown;
  aliases: string[];
}

/** A live collection (`GET /collections/{c}`) and its aliases as a schema. */
export function schemaOf(
  info: Schemas["CollectionInfo"],
  aliases: readonly string[] = [],
): CollectionSchema {
  return normalise(info.config, info.payload_schema, aliases);
}

/** A journal row's columns as a schema (rows of any earlier version included). */
export function schemaFromRecord(record: SchemaRecord): CollectionSchema {
  const config = isRecord(record.config) ? record.config : {};
  const params = isRecord(config.params) ? config.params : {};
  return normalise(
    { ...config, params: { ...params, vectors: record.vectorsConfig } },
    record.payloadSchema,
    record.aliases,
  );
}

/** A schema as the journal's row stores it. */
export function recordOf(schema: CollectionSchema): SchemaRecord {
  const { vectors, payloadIndexes, aliases, hnsw_config, optimizers_config, wal_config } = schema;
  const { quantization_config, strict_mode_config, metadata } = schema;
  const params = {
    shard_number: schema.shard_number,
    sharding_method: schema.sharding_method,
    replication_factor: schema.replication_factor,
    write_consistency_factor: schema.write_consistency_factor,
    read_fan_out_factor: schema.read_fan_out_factor,
    on_disk_payload: schema.on_disk_payload,
    sparse_vectors: schema.sparse_vectors,
  };
  return {
    vectorsConfig: vectors,
    payloadSchema: payloadIndexes,
    config: canonical({
      params,
      hnsw_config,
      optimizer_config: optimizers_config,
      wal_config,
      quantization_config,
      strict_mode_config,
      metadata,
    }),
    aliases: [...aliases],
  };
}

function normalise(config: unknown, payloadSchema: unknown, aliases: readonly string[]) {
  const c = isRecord(config) ? config : {};
  const params = isRecord(c.params) ? c.params : {};
  const hnsw = section(c.hnsw_config);
  const schema: CollectionSchema = {
    vectors: normaliseVectors(params.vectors, hnsw),
    sparse_vectors: mapValues(section(params.sparse_vectors), normaliseSparse),
    shard_number: typeof params.shard_number === "number" ? params.shard_number : 1,
    sharding_method: params.sharding_method === "custom" ? "custom" : "auto",
    hnsw_config: hnsw,
    optimizers_config: section(c.optimizer_config ?? c.optimizers_config),
    wal_config: section(c.wal_config),
    metadata: withoutStamp(section(c.metadata)),
    payloadIndexes: mapValues(section(payloadSchema), normaliseIndex),
    aliases: [...aliases].sort(),
  };
  for (const key of [
    "replication_factor",
    "write_consistency_factor",
    "read_fan_out_factor",
    "on_disk_payload",
  ] as const) {
    if (params[key] != null) Object.assign(schema, { [key]: params[key] });
  }
  if (c.quantization_config != null)
    schema.quantization_config = canonical(c.quantization_config) as Schemas["QuantizationConfig"];
  if (isRecord(c.strict_mode_config))
    schema.strict_mode_config = section(c.strict_mode_config) as Schemas["StrictModeConfigOutput"];
  return schema;
}

function normaliseVectors(
  vectors: unknown,
  hnsw: Record<string, unknown>,
): VectorParams | Record<string, VectorParams> {
  if (!isRecord(vectors)) return {};
  if (typeof vectors.size === "number") return normaliseDense(vectors, hnsw);
  return mapValues(vectors, (v) => normaliseDense(v, hnsw));
}

function normaliseDense(value: unknown, collectionHnsw: Record<string, unknown>): VectorParams {
  const v = section(value);
  const own = section(v.hnsw_config);
  for (const [key, setting] of Object.entries(own)) {
    if (sameValue(setting, collectionHnsw[key])) delete own[key];
  }
  const out: Record<string, unknown> = {
    ...v,
    datatype: v.datatype ?? "float32",
    on_disk: v.on_disk ?? false,
  };
  if (Object.keys(own).length > 0) out.hnsw_config = own;
  else delete out.hnsw_config;
  return out as unknown as VectorParams;
}

function normaliseSparse(value: unknown): SparseVectorParams {
  const v = section(value);
  const out: Record<string, unknown> = { ...v, modifier: v.modifier ?? "none" };
  if (isRecord(out.index) && Object.keys(out.index).length === 0) delete out.index;
  return out as SparseVectorParams;
}

/** A live `{data_type, params, points}`, a recorded `{data_type, params}` or a canonical `{type, …}` index. */
function normaliseIndex(value: unknown): Record<string, unknown> {
  if (isRecord(value) && typeof value.data_type === "string")
    return canonicalIndex(value.params ?? value.data_type);
  return canonicalIndex(value);
}

function withoutStamp(metadata: Record<string, unknown>): Record<string, unknown> {
  const { [STAMP_KEY]: _stamp, ...rest } = metadata;
  return rest;
}

/** A settings object with null-valued keys dropped and keys sorted; `{}` for none. */
function section(value: unknown): Record<string, unknown> {
  return isRecord(value) ? (canonical(value) as Record<string, unknown>) : {};
}

function mapValues<T>(
  record: Record<string, unknown>,
  fn: (value: unknown) => T,
): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}
