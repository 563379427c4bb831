import type { Schemas } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "../../collection-schema/create-body.js";
import {
  isSingleVector,
  liveSparseVector,
  liveVector,
  namedVectorsOf,
  type VectorParams,
} from "../../collection-schema/live-vectors.js";
import {
  NAMED_VECTOR_CALLS_SINCE,
  namedVectorCalls,
} from "../../collection-schema/server-version.js";
import { sameValue } from "../../collection-schema/values.js";
import { isRecord } from "../../util/objects.js";
import type { CopyPoint } from "../data/copy-collection.js";
import type { ToolkitContext } from "../toolkit-context.js";
import { type BlueGreenOptions, type BlueGreenResult, blueGreen } from "./blue-green.js";
import { fixedVectorDifferences } from "./collection-diff.js";
import { BLUE_GREEN_REMEDY } from "./differences.js";
import { CollectionNotAliasedError, SchemaIncompatibleError } from "./errors.js";
import type { SchemaChangeResult } from "./payload-indexes.js";

/** What `addVector`/`removeVector` did. */
export interface VectorChangeResult extends SchemaChangeResult {
  /** The blue-green change made instead, on a server older than 1.18. */
  blueGreen?: BlueGreenResult;
}

/**
 * Adds named vector `vectorName`; nothing to do when it exists with the same
 * config, refused when it exists with another (its space cannot change in
 * place) or when the collection has one unnamed vector (Qdrant would turn it
 * into named vectors `""` and `vectorName`, a shape change that existing
 * readers and writers of the unnamed vector do not expect). In place on
 * Qdrant 1.18+; on an older server by blue-green behind the alias
 * `collection` (`options`), the copied points without the new vector unless
 * `options.transform` gives it.
 */
export async function addVector(
  ctx: ToolkitContext,
  collection: string,
  vectorName: string,
  config: Schemas["VectorNameConfig"],
  options: BlueGreenOptions = {},
): Promise<VectorChangeResult> {
  const info = await ctx.qdrant.getCollection(collection);
  const { vectors } = info.config.params;
  const field = `vectors.${vectorName}`;
  // A dense add turns the unnamed vector into "" beside the new one; a sparse add does not.
  if (isSingleVector(vectors) && !("sparse" in config)) {
    throw new SchemaIncompatibleError(collection, [
      {
        field: "vectors",
        live: vectors,
        wanted: { [vectorName]: config },
        resolution: "refused",
        remedy: `the collection has one unnamed vector; adding a named one changes its shape: ${BLUE_GREEN_REMEDY}`,
      },
    ]);
  }
  const dense = liveVector(info, vectorName);
  const sparse = liveSparseVector(info, vectorName);
  if ("dense" in config) {
    if (sparse) throw conflict(collection, field, sparse, config);
    if (dense) {
      const differences = fixedVectorDifferences(field, dense, config.dense);
      if (differences.length > 0) throw new SchemaIncompatibleError(collection, differences);
      return { changed: false };
    }
  } else {
    if (dense) throw conflict(collection, field, dense, config);
    if (sparse) {
      const live = sparse.modifier ?? "none";
      const wanted = config.sparse.modifier ?? "none";
      if (sameValue(live, wanted)) return { changed: false };
      throw new SchemaIncompatibleError(collection, [
        {
          field: `${field}.modifier`,
          live,
          wanted,
          resolution: "refused",
          remedy: `the vector exists: change its modifier with ctx.schema.updateCollection("${collection}", { sparse_vectors: { ${vectorName}: { modifier: ${JSON.stringify(wanted)} } } })`,
        },
      ]);
    }
  }
  const what = `add vector "${vectorName}" to "${collection}"`;
  const old = await olderServer(ctx, what);
  if (old === undefined) {
    await ctx.qdrant.createVectorName(collection, vectorName, config, { wait: true });
    return { changed: true };
  }
  const spec: CollectionSpec =
    "dense" in config
      ? {
          // DenseVectorConfig is VectorParams' fixed part; the client types its nullables loosely.
          vectors: { ...namedVectorsOf(vectors), [vectorName]: config.dense as VectorParams },
        }
      : { sparse_vectors: { ...info.config.params.sparse_vectors, [vectorName]: config.sparse } };
  return viaBlueGreen(ctx, collection, spec, options, `Qdrant ${old} cannot ${what}`);
}

/**
 * Removes named vector `vectorName` (dense or sparse) and its data; nothing
 * to do when it is absent. In place on Qdrant 1.18+ (the tracking client
 * snapshots the collection first, since this deletes data); on an older
 * server by blue-green behind the alias `collection` (`options`), the vector
 * dropped from each copied point (after `options.transform`, if given).
 */
export async function removeVector(
  ctx: ToolkitContext,
  collection: string,
  vectorName: string,
  options: BlueGreenOptions = {},
): Promise<VectorChangeResult> {
  const info = await ctx.qdrant.getCollection(collection);
  const { vectors, sparse_vectors } = info.config.params;
  // Beside one unnamed dense vector there are no named dense ones, but there may be sparse ones.
  if (isSingleVector(vectors) && !liveSparseVector(info, vectorName)) return { changed: false };
  const dense = liveVector(info, vectorName) !== undefined;
  if (!dense && !liveSparseVector(info, vectorName)) return { changed: false };
  const what = `remove vector "${vectorName}" from "${collection}"`;
  const old = await olderServer(ctx, what);
  if (old === undefined) {
    await ctx.qdrant.deleteVectorName(collection, vectorName, { wait: true });
    return { changed: true };
  }
  const spec: CollectionSpec = dense
    ? { vectors: without(namedVectorsOf(vectors), vectorName) }
    : { sparse_vectors: without(sparse_vectors ?? {}, vectorName) };
  const { transform } = options;
  const drop = async (point: CopyPoint): Promise<CopyPoint | null> => {
    const out = transform ? await transform(point) : point;
    // The new collection has no such vector: Qdrant refuses a point that gives it.
    if (out === null || !isRecord(out.vector)) return out;
    return { ...out, vector: without(out.vector, vectorName) as Schemas["VectorStructOutput"] };
  };
  return viaBlueGreen(
    ctx,
    collection,
    spec,
    { ...options, transform: drop },
    `Qdrant ${old} cannot ${what}`,
  );
}

/** The server's version when it predates in-place named vectors; undefined when it has them. */
async function olderServer(ctx: ToolkitContext, what: string): Promise<string | undefined> {
  const support = await namedVectorCalls(ctx.version);
  if (support.supported) return undefined;
  ctx.log.info(
    `Qdrant ${support.version} cannot ${what} in place (that needs ${NAMED_VECTOR_CALLS_SINCE.join(".")}): making a blue-green change`,
  );
  return support.version;
}

/** The blue-green change an old server needs; `cannot` (what it cannot do) explains a refusal of a physical collection. */
async function viaBlueGreen(
  ctx: ToolkitContext,
  collection: string,
  spec: CollectionSpec,
  options: BlueGreenOptions,
  cannot: string,
): Promise<VectorChangeResult> {
  try {
    const result = await blueGreen(ctx, collection, spec, options);
    return { changed: result.changed, blueGreen: result };
  } catch (error) {
    if (!(error instanceof CollectionNotAliasedError)) throw error;
    const since = NAMED_VECTOR_CALLS_SINCE.join(".");
    throw new CollectionNotAliasedError(
      collection,
      `${cannot} in place (that needs Qdrant ${since} or newer: upgrade Qdrant, or convert the collection as follows), so it takes a blue-green change`,
    );
  }
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
}

function conflict(collection: string, field: string, live: unknown, wanted: unknown) {
  return new SchemaIncompatibleError(collection, [
    {
      field,
      live,
      wanted,
      resolution: "refused",
      remedy: `a dense and a sparse vector are different kinds: ${BLUE_GREEN_REMEDY}`,
    },
  ]);
}
