import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";

export type VectorParams = Schemas["VectorParams"];
export type SparseVectorParams = Schemas["SparseVectorParams"];

/** A `vectors` config of one unnamed vector (`{size, distance}`), as opposed to a map of named ones. */
export function isSingleVector(vectors: unknown): vectors is VectorParams {
  return isRecord(vectors) && typeof vectors.size === "number";
}

/** The named dense vectors of a `vectors` config; empty for one unnamed vector. */
export function namedVectorsOf(vectors: unknown): Record<string, VectorParams> {
  if (!isRecord(vectors) || isSingleVector(vectors)) return {};
  const out: Record<string, VectorParams> = {};
  for (const [name, params] of Object.entries(vectors)) {
    if (isSingleVector(params)) out[name] = params;
  }
  return out;
}

/** The live params of dense vector `name` (`""`: the unnamed vector). */
export function liveVector(
  info: Schemas["CollectionInfo"],
  name: string,
): VectorParams | undefined {
  const { vectors } = info.config.params;
  if (isSingleVector(vectors)) return name === "" ? vectors : undefined;
  return namedVectorsOf(vectors)[name];
}

/** The live params of sparse vector `name`. */
export function liveSparseVector(
  info: Schemas["CollectionInfo"],
  name: string,
): SparseVectorParams | undefined {
  return info.config.params.sparse_vectors?.[name] ?? undefined;
}

/** The settings object of `info.config` a top-level key of an update body changes. */
export function liveSection(info: Schemas["CollectionInfo"], key: string): unknown {
  const { config } = info;
  if (key === "optimizers_config") return config.optimizer_config;
  return (config as Record<string, unknown>)[key];
}
