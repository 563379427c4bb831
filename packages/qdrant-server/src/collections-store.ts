import { collectionNotFound } from "./errors.js";
import type { Collection, ServerState } from "./model.js";
import { assertValidName } from "./validation.js";

/**
 * Name resolution and vector schema lookups shared by every route module.
 * Qdrant resolves aliases before collection names (toc/mod.rs resolve_name),
 * so an alias shadows nothing: creating a collection with an alias's name is refused.
 */

/** The collection a name or alias designates, or undefined. */
export function findCollection(state: ServerState, nameOrAlias: string): Collection | undefined {
  const target = state.aliases.get(nameOrAlias) ?? nameOrAlias;
  return state.collections.get(target);
}

/** The collection a name or alias designates; 404 ``Collection `x` doesn't exist!`` otherwise. */
export function resolveCollection(state: ServerState, nameOrAlias: string): Collection {
  // Qdrant validates the path parameter (422) before it looks the name up.
  assertValidName(nameOrAlias, false);
  const collection = findCollection(state, nameOrAlias);
  if (!collection) throw collectionNotFound(nameOrAlias);
  return collection;
}

export type Distance = "Cosine" | "Euclid" | "Dot" | "Manhattan";
export type Datatype = "float32" | "float16" | "uint8" | "turbo4";

export interface DenseVectorSpec {
  kind: "dense";
  size: number;
  distance: Distance;
  /** `float32` unless the config says otherwise. */
  datatype: Datatype;
  /** Set for multivectors (each value is a list of `size`-long vectors). */
  multivector: { comparator: string } | undefined;
}

export interface SparseVectorSpec {
  kind: "sparse";
  modifier: "none" | "idf";
}

export type VectorSpec = DenseVectorSpec | SparseVectorSpec;

/**
 * Every vector name of a collection with what a point's value must look like.
 * The unnamed default vector is keyed `""`, as StoredPoint.vectors keys it.
 */
export function vectorSpecs(collection: Collection): Map<string, VectorSpec> {
  const specs = new Map<string, VectorSpec>();
  const params = (collection.config.params ?? {}) as Record<string, unknown>;
  const vectors = params.vectors;
  if (isRecord(vectors)) {
    if (isDenseParams(vectors)) {
      specs.set("", denseSpec(vectors));
    } else {
      for (const [name, value] of Object.entries(vectors)) {
        if (isRecord(value) && isDenseParams(value)) specs.set(name, denseSpec(value));
      }
    }
  }
  const sparse = params.sparse_vectors;
  if (isRecord(sparse)) {
    for (const [name, value] of Object.entries(sparse)) {
      const modifier = isRecord(value) && value.modifier === "idf" ? "idf" : "none";
      specs.set(name, { kind: "sparse", modifier });
    }
  }
  return specs;
}

/** True when the collection has a single unnamed dense vector (not a map of names). */
export function hasUnnamedVector(collection: Collection): boolean {
  const params = (collection.config.params ?? {}) as Record<string, unknown>;
  return isRecord(params.vectors) && isDenseParams(params.vectors);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** VectorParams have a numeric `size`; a map of names has objects as values. */
export function isDenseParams(value: Record<string, unknown>): boolean {
  return typeof value.size === "number";
}

function denseSpec(value: Record<string, unknown>): DenseVectorSpec {
  const multi = value.multivector_config;
  return {
    kind: "dense",
    size: value.size as number,
    distance: value.distance as Distance,
    datatype: (typeof value.datatype === "string" ? value.datatype : "float32") as Datatype,
    multivector:
      isRecord(multi) && typeof multi.comparator === "string"
        ? { comparator: multi.comparator }
        : undefined,
  };
}
