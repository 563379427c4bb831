import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";
import {
  isSingleVector,
  liveSection,
  liveSparseVector,
  liveVector,
  namedVectorsOf,
} from "./live-vectors.js";
import { getAt, pathText, sameValue, setAt } from "./values.js";

export type CollectionPatch = Schemas["UpdateCollection"];

/** A setting an update body changes: where, its live value and the wanted one. */
export interface SettingDifference {
  field: string;
  live: unknown;
  wanted: unknown;
  resolution: "in-place";
}

/**
 * Compares each value an update body sets with the live collection and
 * returns the differences (all `in-place`) and the smallest body that makes
 * them, so an update that changes nothing sends nothing. A `null` leaves a
 * setting unchanged, as in Qdrant's update, except under `metadata`, where it
 * deletes the key.
 */
export function settingDifferences(
  info: Schemas["CollectionInfo"],
  patch: CollectionPatch,
): { differences: SettingDifference[]; minimal: CollectionPatch } {
  const differences: SettingDifference[] = [];
  const minimal: Record<string, unknown> = {};
  const visit = (path: string[], wanted: unknown): void => {
    const metadataKey = path[0] === "metadata" && path.length === 2;
    if (wanted === undefined || (wanted === null && !metadataKey)) return;
    // Quantization is replaced whole by an update; metadata is merged one key deep.
    if (isRecord(wanted) && !metadataKey && path[path.length - 1] !== "quantization_config") {
      for (const [key, value] of Object.entries(wanted)) visit([...path, key], value);
      return;
    }
    const live = liveSetting(info, path);
    if (sameSetting(live, wanted)) return;
    differences.push({ field: pathText(path), live, wanted, resolution: "in-place" });
    setAt(minimal, path, wanted);
  };
  for (const [key, value] of Object.entries(patch)) visit([key], value);
  return { differences, minimal: minimal as CollectionPatch };
}

function sameSetting(live: unknown, wanted: unknown): boolean {
  // "Disabled" is how an update removes quantization: equal to none at all.
  if (wanted === "Disabled") return live == null;
  return sameValue(live, wanted);
}

/** The live value an update body's `path` would change, with Qdrant's effective defaults. */
export function liveSetting(info: Schemas["CollectionInfo"], path: readonly string[]): unknown {
  const [section, name, key, ...rest] = path;
  if (section === "vectors" && name !== undefined) {
    const vector = liveVector(info, name);
    if (key === "hnsw_config" && rest[0] !== undefined) {
      // A vector without its own HNSW setting uses the collection's.
      return getAt(vector?.hnsw_config, rest) ?? getAt(info.config.hnsw_config, rest);
    }
    if (key === "on_disk") return vector?.on_disk ?? false;
    return key === undefined ? vector : getAt(vector, [key, ...rest]);
  }
  if (section === "sparse_vectors" && name !== undefined) {
    const sparse = liveSparseVector(info, name);
    if (key === "modifier") return sparse?.modifier ?? "none";
    return key === undefined ? sparse : getAt(sparse, [key, ...rest]);
  }
  if (section === undefined) return undefined;
  return getAt(liveSection(info, section), path.slice(1));
}

/**
 * The update body that sets every updatable setting of `info` as it is now
 * (what puts a collection's settings back after a change), with the values
 * that mean "none" spelled as an update needs them.
 */
export function updateBodyOf(info: Schemas["CollectionInfo"]): Schemas["UpdateCollection"] {
  const { config } = info;
  const { params } = config;
  const settings: Schemas["UpdateCollection"] = {
    params: {
      replication_factor: params.replication_factor ?? null,
      write_consistency_factor: params.write_consistency_factor ?? null,
      read_fan_out_factor: params.read_fan_out_factor ?? null,
      on_disk_payload: params.on_disk_payload ?? null,
    },
    hnsw_config: config.hnsw_config,
    optimizers_config: config.optimizer_config as Schemas["OptimizersConfigDiff"],
    // "Disabled" is how an update removes quantization that was not there before.
    quantization_config: config.quantization_config ?? "Disabled",
    // Absent until first set; an update turns it off with enabled: false.
    strict_mode_config: config.strict_mode_config ?? { enabled: false },
  };
  // The unnamed vector's own settings are updated under the name "".
  const dense = isSingleVector(params.vectors)
    ? { "": params.vectors }
    : namedVectorsOf(params.vectors);
  const vectors: Schemas["VectorsConfigDiff"] = {};
  for (const [name, v] of Object.entries(dense)) {
    vectors[name] = {
      ...(v.hnsw_config ? { hnsw_config: v.hnsw_config } : {}),
      quantization_config: v.quantization_config ?? "Disabled",
      on_disk: v.on_disk ?? false,
    };
  }
  if (Object.keys(vectors).length > 0) settings.vectors = vectors;
  const sparse: Schemas["SparseVectorsConfig"] = {};
  for (const [name, v] of Object.entries(params.sparse_vectors ?? {})) {
    if (!v) continue;
    sparse[name] = { modifier: v.modifier ?? "none", ...(v.index ? { index: v.index } : {}) };
  }
  if (Object.keys(sparse).length > 0) settings.sparse_vectors = sparse;
  settings.metadata = config.metadata ?? {};
  return settings;
}
