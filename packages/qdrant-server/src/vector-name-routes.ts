import { DATATYPES, DISTANCES, MAX_VECTOR_SIZE } from "./collection-config.js";
import { isDenseParams, isRecord, resolveCollection } from "./collections-store.js";
import { badInput, formatError } from "./errors.js";
import { ok, type Router } from "./http.js";
import type { Collection } from "./model.js";
import type { ServerContext } from "./server-context.js";
import { updateResult } from "./update-result.js";
import { assertValidBody, assertValidName, outOfRange, updateTimeout } from "./validation.js";

type Json = Record<string, unknown>;

/** The first Qdrant with the routes below; an older `version` has no such path (an empty 404, as 1.15.5 answers). */
export const VECTOR_NAME_ROUTES_SINCE: readonly [number, number] = [1, 18];

/** Whether a server reporting `version` has the in-place named-vector routes; an unparsable one counts as recent. */
export function hasVectorNameRoutes(version: string): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [since, sinceMinor] = VECTOR_NAME_ROUTES_SINCE;
  return major > since || (major === since && minor >= sinceMinor);
}

/**
 * Adding and removing named vectors in place, Qdrant v1.18+
 * (`PUT`/`DELETE /collections/{c}/vectors/{v}`, collection/vector_name_schema.rs).
 * A PUT with the same schema is a no-op; a different one is refused; a DELETE
 * drops the vector from every point too, and of an absent name does nothing.
 */
export function registerVectorNameRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;

  router.add(
    "PUT",
    "/collections/{collection_name}/vectors/{vector_name}",
    (req) => {
      const name = req.params.collection_name as string;
      const vector = req.params.vector_name as string;
      assertValidName(name, false);
      updateTimeout(req.query);
      const wanted = readVectorNameConfig(req.json());
      const collection = resolveCollection(state, name);
      const params = collection.config.params as Json;
      const dense = denseVectors(collection);
      const sparse = sparseVectors(collection);
      if (wanted.kind === "dense") {
        if (dense[vector] !== undefined) {
          if (!sameDense(dense[vector], wanted.params)) throw differentConfig("Vector", vector);
          return ok(updateResult(state, req));
        }
        if (sparse[vector] !== undefined) {
          throw badInput(`Vector \`${vector}\` already exists as a sparse vector`);
        }
        dense[vector] = wanted.params;
        params.vectors = dense;
      } else {
        if (sparse[vector] !== undefined) {
          if (!sameSparse(sparse[vector], wanted.params)) {
            throw differentConfig("Sparse vector", vector);
          }
          return ok(updateResult(state, req));
        }
        if (dense[vector] !== undefined) {
          throw badInput(`Vector \`${vector}\` already exists as a dense vector`);
        }
        sparse[vector] = wanted.params;
        params.sparse_vectors = sparse;
      }
      return ok(updateResult(state, req));
    },
    { mutates: true },
  );

  router.add(
    "DELETE",
    "/collections/{collection_name}/vectors/{vector_name}",
    (req) => {
      const name = req.params.collection_name as string;
      const vector = req.params.vector_name as string;
      assertValidName(name, false);
      updateTimeout(req.query);
      const collection = resolveCollection(state, name);
      const params = collection.config.params as Json;
      // Like Qdrant (remove_vector_from_config), an absent name is no error.
      const dense = denseVectors(collection);
      const sparse = sparseVectors(collection);
      if (dense[vector] !== undefined) {
        delete dense[vector];
        params.vectors = dense;
      }
      if (sparse[vector] !== undefined) {
        delete sparse[vector];
        params.sparse_vectors = sparse;
      }
      for (const point of collection.points.values()) point.vectors.delete(vector);
      return ok(updateResult(state, req));
    },
    { mutates: true },
  );
}

/** The dense vectors as a map; an unnamed vector becomes the entry `""`. */
function denseVectors(collection: Collection): Json {
  const vectors = (collection.config.params as Json).vectors;
  if (!isRecord(vectors)) return {};
  return isDenseParams(vectors) ? { "": vectors } : { ...vectors };
}

function sparseVectors(collection: Collection): Json {
  const sparse = (collection.config.params as Json).sparse_vectors;
  return isRecord(sparse) ? { ...sparse } : {};
}

function differentConfig(kind: string, vector: string) {
  return badInput(`${kind} \`${vector}\` already exists with a different configuration`);
}

/**
 * The schema-defining fields only, compared as set (an unset datatype differs
 * from an explicit `float32`), as dense_schema_matches does; hnsw, quantization
 * and on_disk may have been tuned since and are ignored.
 */
function sameDense(existing: unknown, wanted: Json): boolean {
  if (!isRecord(existing)) return false;
  return (
    existing.size === wanted.size &&
    existing.distance === wanted.distance &&
    existing.datatype === wanted.datatype &&
    isRecord(existing.multivector_config) === isRecord(wanted.multivector_config)
  );
}

function sameSparse(existing: unknown, wanted: Json): boolean {
  if (!isRecord(existing)) return false;
  const datatype = (params: Json) => (isRecord(params.index) ? params.index.datatype : undefined);
  return existing.modifier === wanted.modifier && datatype(existing) === datatype(wanted);
}

/** VectorNameConfig: `{"dense": {size, distance, …}}` or `{"sparse": {modifier?, datatype?}}`. */
function readVectorNameConfig(body: unknown): { kind: "dense" | "sparse"; params: Json } {
  const untagged = formatError("data did not match any variant of untagged enum VectorNameConfig");
  if (!isRecord(body)) throw untagged;
  if (isRecord(body.dense)) {
    const { size, distance, datatype, multivector_config: multi } = body.dense;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) throw untagged;
    if (typeof distance !== "string" || !DISTANCES.includes(distance)) throw untagged;
    if (datatype != null && !DATATYPES.includes(String(datatype))) throw untagged;
    if (size < 1 || size > MAX_VECTOR_SIZE) {
      assertValidBody([outOfRange("dense.size", size, 1, MAX_VECTOR_SIZE)]);
    }
    const params: Json = { size, distance };
    if (datatype != null) params.datatype = datatype;
    if (isRecord(multi)) params.multivector_config = { comparator: "max_sim" };
    return { kind: "dense", params };
  }
  if (isRecord(body.sparse)) {
    const { modifier, datatype } = body.sparse;
    if (modifier != null && modifier !== "none" && modifier !== "idf") throw untagged;
    const params: Json = {};
    if (datatype != null) params.index = { datatype };
    if (modifier != null) params.modifier = modifier;
    return { kind: "sparse", params };
  }
  throw untagged;
}
