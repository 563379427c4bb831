import type { Schemas } from "@qdrant/js-client-rest";
import { liveSparseVector, liveVector } from "../../collection-schema/live-vectors.js";
import type { CollectionPatch } from "../../collection-schema/update-body.js";
import { pathText } from "../../collection-schema/values.js";
import { isRecord } from "../../util/objects.js";
import { BLUE_GREEN_REMEDY } from "./differences.js";

interface Limit {
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Qdrant's limits on update values, from its OpenAPI spec (the minimum and
 * maximum of each field), keyed by the last two steps of a path so that one
 * entry covers the collection's HNSW config and each vector's (a top-level
 * key by itself). Checked up
 * front so a bad value fails with every problem named before anything is sent.
 */
const LIMITS: Readonly<Record<string, Limit>> = {
  "hnsw_config.m": { min: 0, integer: true },
  "hnsw_config.ef_construct": { min: 4, integer: true },
  "hnsw_config.full_scan_threshold": { min: 10, integer: true },
  "hnsw_config.max_indexing_threads": { min: 0, integer: true },
  "hnsw_config.payload_m": { min: 0, integer: true },
  "optimizers_config.deleted_threshold": { min: 0, max: 1 },
  "optimizers_config.vacuum_min_vector_number": { min: 100, integer: true },
  "optimizers_config.default_segment_number": { min: 0, integer: true },
  "optimizers_config.max_segment_size": { min: 1, integer: true },
  "optimizers_config.memmap_threshold": { min: 0, integer: true },
  "optimizers_config.indexing_threshold": { min: 0, integer: true },
  "optimizers_config.flush_interval_sec": { min: 0, integer: true },
  // A create body has these at the top, an update body under `params`.
  shard_number: { min: 1, integer: true },
  replication_factor: { min: 1, integer: true },
  write_consistency_factor: { min: 1, integer: true },
  "params.replication_factor": { min: 1, integer: true },
  "params.write_consistency_factor": { min: 1, integer: true },
  "params.read_fan_out_factor": { min: 0, integer: true },
  "params.read_fan_out_delay_ms": { min: 0, integer: true },
  "scalar.quantile": { min: 0.5, max: 1 },
  "sparse_vectors.full_scan_threshold": { min: 0, integer: true },
};

/** What an update body may hold, per Qdrant's `UpdateCollection`. */
const UPDATABLE = new Set([
  "vectors",
  "optimizers_config",
  "params",
  "hnsw_config",
  "quantization_config",
  "sparse_vectors",
  "strict_mode_config",
  "metadata",
]);
/** Create-collection settings an update cannot change, and why. */
const FIXED_AT_CREATION: Readonly<Record<string, string>> = {
  shard_number:
    "the shard count is fixed when a collection is created (resharding is Qdrant Cloud only): a new collection filled by a copy, behind an alias",
  sharding_method: "the sharding method is fixed when a collection is created: a new collection",
  wal_config: "Qdrant cannot change an existing collection's WAL config: a new collection",
};
const VECTOR_UPDATABLE = new Set(["hnsw_config", "quantization_config", "on_disk"]);
const VECTOR_FIXED = new Set(["size", "distance", "datatype", "multivector_config"]);
const SPARSE_UPDATABLE = new Set(["index", "modifier"]);
const PARAMS_UPDATABLE = new Set([
  "replication_factor",
  "write_consistency_factor",
  "read_fan_out_factor",
  "read_fan_out_delay_ms",
  "on_disk_payload",
]);

/**
 * Why Qdrant would refuse or silently ignore `patch` on the collection `info`
 * describes: settings it cannot update, vectors it does not have, values
 * outside its limits. Empty when the update can be sent.
 */
export function patchProblems(info: Schemas["CollectionInfo"], patch: CollectionPatch): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const fixed = FIXED_AT_CREATION[key];
    if (fixed !== undefined) problems.push(`${key} cannot be updated: ${fixed}`);
    else if (!UPDATABLE.has(key))
      problems.push(`${key} is not a collection setting Qdrant updates (it would be ignored)`);
  }
  for (const [name, diff] of Object.entries(patch.vectors ?? {})) {
    if (liveVector(info, name) === undefined) {
      problems.push(`vectors.${name || '""'}: the collection has no such dense vector`);
      continue;
    }
    for (const key of Object.keys(diff ?? {})) {
      const where = pathText(["vectors", name, key]);
      if (VECTOR_FIXED.has(key))
        problems.push(`${where} cannot change in place: it ${BLUE_GREEN_REMEDY}`);
      else if (!VECTOR_UPDATABLE.has(key))
        problems.push(`${where} is not a vector setting Qdrant updates`);
    }
  }
  for (const [name, diff] of Object.entries(patch.sparse_vectors ?? {})) {
    if (liveSparseVector(info, name) === undefined) {
      problems.push(`sparse_vectors.${name}: the collection has no such sparse vector`);
      continue;
    }
    for (const key of Object.keys(diff ?? {})) {
      if (!SPARSE_UPDATABLE.has(key))
        problems.push(
          `sparse_vectors.${name}.${key} is not a sparse vector setting Qdrant updates`,
        );
    }
  }
  for (const key of Object.keys(patch.params ?? {})) {
    if (!PARAMS_UPDATABLE.has(key))
      problems.push(`params.${key} is not a parameter Qdrant updates`);
  }
  return [...problems, ...limitProblems(patch)];
}

/** The values in `body` outside Qdrant's limits, one phrase each. */
export function limitProblems(body: unknown): string[] {
  const problems: string[] = [];
  const visit = (path: string[], value: unknown): void => {
    if (isRecord(value)) {
      for (const [key, inner] of Object.entries(value)) visit([...path, key], inner);
      return;
    }
    if (value == null) return;
    const limit =
      LIMITS[path.slice(-2).join(".")] ??
      (path[0] === "sparse_vectors"
        ? LIMITS[`sparse_vectors.${path[path.length - 1]}`]
        : undefined);
    if (!limit) return;
    const where = pathText(path);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      problems.push(`${where} must be a number, got ${JSON.stringify(value)}`);
    } else if (limit.integer && !Number.isInteger(value)) {
      problems.push(`${where} must be a whole number, got ${value}`);
    } else if (limit.min !== undefined && value < limit.min) {
      problems.push(`${where} must be ${limit.min} or larger, got ${value}`);
    } else if (limit.max !== undefined && value > limit.max) {
      problems.push(`${where} must be ${limit.max} or smaller, got ${value}`);
    }
  };
  visit([], body);
  return problems;
}
