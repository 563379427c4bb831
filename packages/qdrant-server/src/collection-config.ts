import { isRecord } from "./collections-store.js";
import { badInput, formatError } from "./errors.js";
import type { CollectionConfigJson } from "./model.js";
import { outOfRange, type Problem, positionAfterField, tooSmall } from "./validation.js";

/**
 * Turns `PUT /collections/{c}` bodies into the `config` that
 * `GET /collections/{c}` reports, with Qdrant's defaults filled in, and
 * applies `PATCH` bodies to it (toc/collection_meta_ops.rs). Unknown fields are
 * ignored, as Qdrant's CreateCollection and UpdateCollection do.
 */

type Json = Record<string, unknown>;

export const DISTANCES = ["Cosine", "Euclid", "Dot", "Manhattan"];
export const DATATYPES = ["float32", "uint8", "float16", "turbo4"];
/** The largest dense vector Qdrant accepts. */
export const MAX_VECTOR_SIZE = 65536;

const DEFAULT_HNSW: Json = {
  m: 16,
  ef_construct: 100,
  full_scan_threshold: 10000,
  max_indexing_threads: 0,
  on_disk: false,
};
const DEFAULT_OPTIMIZER: Json = {
  deleted_threshold: 0.2,
  vacuum_min_vector_number: 1000,
  default_segment_number: 0,
  max_segment_size: null,
  memmap_threshold: null,
  indexing_threshold: 10000,
  flush_interval_sec: 5,
  max_optimization_threads: null,
  prevent_unoptimized: null,
};
const DEFAULT_WAL: Json = { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 };

const COMPRESSIONS = ["x4", "x8", "x16", "x32", "x64"];

/**
 * A QuantizationConfig as serde reads it: `scalar` (type int8), `product` (a
 * compression ratio) or `binary`.
 */
export function isQuantizationConfig(value: unknown): boolean {
  if (!isRecord(value)) return false;
  // Untagged: the first variant whose field parses wins; other keys are ignored.
  const { scalar, product, binary } = value;
  return (
    (isRecord(scalar) && scalar.type === "int8") ||
    (isRecord(product) && COMPRESSIONS.includes(String(product.compression))) ||
    isRecord(binary)
  );
}

/** A QuantizationConfigDiff: a QuantizationConfig or `"Disabled"`. */
function isQuantizationDiff(value: unknown): boolean {
  return value === "Disabled" || isQuantizationConfig(value);
}

/**
 * A VectorParams object as serde reads it, with only the fields that were set
 * (Qdrant omits unset ones when it reports the config), or undefined when it
 * is not one.
 */
export function readVectorParams(value: unknown): Json | undefined {
  if (!isRecord(value)) return undefined;
  const { size, distance, datatype, multivector_config: multi, on_disk } = value;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) return undefined;
  if (typeof distance !== "string" || !DISTANCES.includes(distance)) return undefined;
  if (datatype != null && (typeof datatype !== "string" || !DATATYPES.includes(datatype))) {
    return undefined;
  }
  if (multi != null && !(isRecord(multi) && multi.comparator === "max_sim")) return undefined;
  if (on_disk != null && typeof on_disk !== "boolean") return undefined;
  if (value.hnsw_config != null && !isRecord(value.hnsw_config)) return undefined;
  if (value.quantization_config != null && !isQuantizationConfig(value.quantization_config)) {
    return undefined;
  }
  const out: Json = { size, distance };
  for (const key of ["hnsw_config", "quantization_config", "on_disk", "memory", "datatype"]) {
    if (value[key] != null) out[key] = value[key];
  }
  // Qdrant reports neither an unset HNSW or quantization field nor one sent as null.
  if (isRecord(out.hnsw_config)) out.hnsw_config = withoutNulls(out.hnsw_config);
  if (isRecord(out.hnsw_config) && Object.keys(out.hnsw_config).length === 0) {
    delete out.hnsw_config;
  }
  if (out.quantization_config != null) {
    out.quantization_config = storedQuantization(out.quantization_config);
  }
  if (multi != null) out.multivector_config = { comparator: "max_sim" };
  return out;
}

/** Checks a `vectors` value (VectorsConfig: one VectorParams or a map of them). */
function readVectorsConfig(value: unknown, raw: string): Json {
  const untagged = () =>
    formatError(
      `data did not match any variant of untagged enum VectorsConfig${positionAfterField(raw, "vectors")}`,
    );
  const single = readVectorParams(value);
  if (single) return single;
  if (!isRecord(value)) throw untagged();
  const named: Json = {};
  for (const [name, params] of Object.entries(value)) {
    const read = readVectorParams(params);
    if (!read) throw untagged();
    named[name] = read;
  }
  return named;
}

function readSparseVectors(value: unknown): Json {
  if (!isRecord(value)) throw formatError("invalid type: expected a map of sparse vector params");
  const out: Json = {};
  for (const [name, params] of Object.entries(value)) {
    if (!isRecord(params)) throw formatError(`invalid type for sparse vector \`${name}\``);
    if (params.modifier != null && params.modifier !== "none" && params.modifier !== "idf") {
      throw formatError(
        `unknown variant \`${String(params.modifier)}\`, expected \`none\` or \`idf\``,
      );
    }
    const read: Json = {};
    if (params.index != null) read.index = withoutNulls(params.index);
    if (params.modifier != null) read.modifier = params.modifier;
    out[name] = read;
  }
  return out;
}

function checkSparseNames(vectors: Json, sparse: Json): void {
  if (Object.hasOwn(sparse, "")) throw badInput("Sparse vector name cannot be empty");
  if (typeof vectors.size === "number") return;
  const clash = Object.keys(sparse)
    .sort()
    .find((name) => Object.hasOwn(vectors, name));
  if (clash !== undefined) {
    throw badInput(
      `Dense and sparse vector names must be unique - duplicate found with '${clash}'`,
    );
  }
}

function vectorSizeProblems(vectors: Json): Problem[] {
  if (typeof vectors.size === "number") {
    return vectors.size > MAX_VECTOR_SIZE
      ? [outOfRange("vectors.size", vectors.size, 1, MAX_VECTOR_SIZE)]
      : [];
  }
  return Object.values(vectors).flatMap((params) => {
    const size = (params as Json).size as number;
    return size > MAX_VECTOR_SIZE ? [outOfRange("vectors.?.size", size, 1, MAX_VECTOR_SIZE)] : [];
  });
}

/** Range checks Qdrant's validator makes on the `*_config` parts of a body. */
function configProblems(body: Json): Problem[] {
  const problems: Problem[] = [];
  const min = (path: string, value: unknown, bound: number) => {
    if (typeof value === "number" && value < bound) problems.push(tooSmall(path, value, bound));
  };
  const hnsw = body.hnsw_config;
  if (isRecord(hnsw)) min("hnsw_config.ef_construct", hnsw.ef_construct, 4);
  const optimizers = body.optimizers_config;
  if (isRecord(optimizers)) {
    const t = optimizers.deleted_threshold;
    if (typeof t === "number" && (t < 0 || t > 1)) {
      problems.push(outOfRange("optimizers_config.deleted_threshold", t, 0, 1));
    }
    min("optimizers_config.vacuum_min_vector_number", optimizers.vacuum_min_vector_number, 100);
    min("optimizers_config.max_segment_size", optimizers.max_segment_size, 1);
  }
  const wal = body.wal_config;
  if (isRecord(wal)) min("wal_config.wal_capacity_mb", wal.wal_capacity_mb, 1);
  const params = isRecord(body.params) ? body.params : body;
  for (const key of ["shard_number", "replication_factor", "write_consistency_factor"]) {
    min(params === body ? key : `params.${key}`, params[key], 1);
  }
  return problems;
}

const withoutNulls = (value: unknown): Json =>
  isRecord(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) : {};

/** Null fields left out at every level (strict mode's per-vector limits). */
function withoutNullsDeep(value: unknown): Json {
  return Object.fromEntries(
    Object.entries(withoutNulls(value)).map(([key, v]) => [
      key,
      isRecord(v) ? withoutNullsDeep(v) : v,
    ]),
  );
}

/** An optimizers config diff as Qdrant stores it: `max_optimization_threads: "auto"` is null. */
function storedOptimizers(value: unknown): Json {
  const out = withoutNulls(value);
  if (out.max_optimization_threads === "auto") out.max_optimization_threads = null;
  return out;
}

/** A QuantizationConfig as Qdrant stores it: `{scalar|product|binary: {…}}` without null fields. */
function storedQuantization(value: unknown): Json {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([variant, params]) => [variant, withoutNulls(params)]),
  );
}

/** The config of a new collection; throws Qdrant's 400/422 for a bad body. */
export function createCollectionConfig(
  body: unknown,
  raw: string,
): {
  config: CollectionConfigJson;
  problems: Problem[];
} {
  if (!isRecord(body)) throw formatError("invalid type: expected struct CreateCollection");
  // An absent `vectors` is none; `null` is no VectorsConfig serde can read.
  const vectors = body.vectors === undefined ? {} : readVectorsConfig(body.vectors, raw);
  if (body.quantization_config != null && !isQuantizationConfig(body.quantization_config)) {
    throw formatError(
      `data did not match any variant of untagged enum QuantizationConfig${positionAfterField(raw, "quantization_config")}`,
    );
  }
  const sparse = body.sparse_vectors == null ? undefined : readSparseVectors(body.sparse_vectors);
  const problems = [...vectorSizeProblems(vectors), ...configProblems(body)];
  // Name checks come after the validator's 422s.
  if (problems.length === 0 && sparse) checkSparseNames(vectors, sparse);
  const params: Json = { vectors, shard_number: body.shard_number ?? 1 };
  if (body.sharding_method != null) params.sharding_method = body.sharding_method;
  params.replication_factor = body.replication_factor ?? 1;
  params.write_consistency_factor = body.write_consistency_factor ?? 1;
  params.on_disk_payload = body.on_disk_payload ?? true;
  if (sparse) params.sparse_vectors = sparse;
  const config: Json = {
    params,
    hnsw_config: { ...DEFAULT_HNSW, ...withoutNulls(body.hnsw_config) },
    optimizer_config: { ...DEFAULT_OPTIMIZER, ...storedOptimizers(body.optimizers_config) },
    wal_config: { ...DEFAULT_WAL, ...withoutNulls(body.wal_config) },
    quantization_config:
      body.quantization_config == null ? null : storedQuantization(body.quantization_config),
  };
  // Reported only once set (Qdrant 1.18.1 leaves the key out until then).
  if (isRecord(body.strict_mode_config)) {
    config.strict_mode_config = withoutNullsDeep(body.strict_mode_config);
  }
  // A create keeps metadata keys set to null (only an update's null deletes one).
  if (isRecord(body.metadata)) config.metadata = { ...body.metadata };
  return { config, problems };
}

/**
 * Checks a PATCH body as serde and the validator would, before anything
 * changes: throws 400 for a malformed quantization diff, returns the 422 problems.
 */
export function updateProblems(body: Json, raw: string): Problem[] {
  const diffs = [
    body.quantization_config,
    ...(isRecord(body.vectors)
      ? Object.values(body.vectors).map((v) => (isRecord(v) ? v.quantization_config : undefined))
      : []),
  ];
  if (diffs.some((q) => q != null && !isQuantizationDiff(q))) {
    throw formatError("data did not match any variant of untagged enum QuantizationConfigDiff");
  }
  const zero = zeroNonZeroParam(body, raw);
  if (zero) throw formatError(`invalid value: integer \`0\`, expected a nonzero u32${zero}`);
  return configProblems(body);
}

/**
 * An update's `params.replication_factor` and `write_consistency_factor` are
 * `NonZeroU32` in Qdrant's CollectionParamsDiff, so 0 fails serde (400, with
 * the position after the value) rather than the validator (422), unlike a
 * create body's. The position of the first such value in `raw`, or undefined.
 */
function zeroNonZeroParam(body: Json, raw: string): string | undefined {
  const params = body.params;
  if (!isRecord(params)) return undefined;
  if (params.replication_factor !== 0 && params.write_consistency_factor !== 0) return undefined;
  const at = /"(?:replication_factor|write_consistency_factor)"\s*:\s*0(?![\d.eE])/.exec(raw);
  if (!at) return "";
  const end = at.index + at[0].length;
  const before = raw.slice(0, end);
  return ` at line ${before.split("\n").length} column ${end - (before.lastIndexOf("\n") + 1)}`;
}

/**
 * Applies a PATCH body in place, part by part in Qdrant's order (toc
 * update_collection): optimizers, params, hnsw, vectors, quantization, sparse
 * vectors, strict mode, metadata. A vector name the collection lacks fails with
 * 400 when its part is reached, and the parts before it stay applied, as in Qdrant.
 */
export function applyCollectionUpdate(config: CollectionConfigJson, body: Json): void {
  const params = config.params as Json;
  if (isRecord(body.optimizers_config)) {
    config.optimizer_config = {
      ...(config.optimizer_config as Json),
      ...storedOptimizers(body.optimizers_config),
    };
  }
  if (isRecord(body.params)) {
    for (const key of [
      "replication_factor",
      "write_consistency_factor",
      "read_fan_out_factor",
      "read_fan_out_delay_ms",
      "on_disk_payload",
      "payload",
    ]) {
      if (body.params[key] != null) params[key] = body.params[key];
    }
  }
  if (isRecord(body.hnsw_config)) {
    config.hnsw_config = { ...(config.hnsw_config as Json), ...withoutNulls(body.hnsw_config) };
  }
  if (isRecord(body.vectors)) updateVectors(params, body.vectors);
  if (body.quantization_config != null) {
    config.quantization_config =
      body.quantization_config === "Disabled" ? null : storedQuantization(body.quantization_config);
  }
  if (isRecord(body.sparse_vectors)) updateSparseVectors(params, body.sparse_vectors);
  if (isRecord(body.strict_mode_config)) {
    config.strict_mode_config = {
      ...((config.strict_mode_config as Json | undefined) ?? {}),
      ...withoutNullsDeep(body.strict_mode_config),
    };
  }
  if (isRecord(body.metadata) && config.metadata === undefined) {
    // A collection without metadata takes the update's as it is, nulls included.
    config.metadata = { ...body.metadata };
  } else if (isRecord(body.metadata)) {
    const metadata: Json = { ...(config.metadata as Json) };
    for (const [key, value] of Object.entries(body.metadata)) {
      if (value === null) delete metadata[key];
      else metadata[key] = value;
    }
    config.metadata = metadata;
  }
}

const missingVector = (name: string) => badInput(`Not existing vector name error: ${name}`);

/** Every name is checked before any vector changes (update_vectors_from_diff). */
function updateVectors(params: Json, diffs: Json): void {
  const vectors = params.vectors as Json;
  const unnamed = typeof vectors.size === "number";
  for (const name of Object.keys(diffs).sort()) {
    if (!(unnamed ? name === "" : isRecord(vectors[name]))) throw missingVector(name);
  }
  for (const [name, diff] of Object.entries(diffs)) {
    if (!isRecord(diff)) continue;
    const target = (unnamed ? vectors : vectors[name]) as Json;
    if (isRecord(diff.hnsw_config)) {
      // An empty object unsets the vector's own HNSW settings.
      const merged = { ...withoutNulls(target.hnsw_config), ...withoutNulls(diff.hnsw_config) };
      // An empty object, or one of nulls only, leaves no settings of the vector's own.
      if (Object.keys(diff.hnsw_config).length === 0 || Object.keys(merged).length === 0) {
        delete target.hnsw_config;
      } else target.hnsw_config = merged;
    }
    if (diff.quantization_config != null) {
      if (diff.quantization_config === "Disabled") delete target.quantization_config;
      else target.quantization_config = storedQuantization(diff.quantization_config);
    }
    if (diff.on_disk != null) target.on_disk = diff.on_disk;
    if (diff.memory != null) target.memory = diff.memory;
  }
}

function updateSparseVectors(params: Json, diffs: Json): void {
  const sparse = (params.sparse_vectors ?? {}) as Json;
  // Names in a BTreeMap's order, as Qdrant meets them.
  for (const name of Object.keys(diffs).sort()) {
    if (!isRecord(sparse[name])) throw missingVector(name);
  }
  for (const [name, diff] of Object.entries(diffs)) {
    if (!isRecord(diff)) continue;
    const target = sparse[name] as Json;
    if (isRecord(diff.index)) {
      target.index = { ...withoutNulls(target.index), ...withoutNulls(diff.index) };
    }
    if (diff.modifier != null) target.modifier = diff.modifier;
  }
}
