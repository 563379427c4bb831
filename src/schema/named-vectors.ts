import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import { fixedVectorDifferences } from "./collection-diff.js";
import { BLUE_GREEN_REMEDY } from "./differences.js";
import { isSingleVector, liveSparseVector, liveVector } from "./live-schema.js";
import type { SchemaChangeResult } from "./payload-indexes.js";
import { QdrantVersionUnsupportedError, SchemaIncompatibleError } from "./schema-errors.js";
import { sameValue } from "./values.js";

/** Adding and removing a named vector in place (`PUT`/`DELETE /collections/{c}/vectors/{v}`). */
const NAMED_VECTOR_CALLS_SINCE: readonly [number, number] = [1, 18];

/** The server's version (`GET /`), asked once per step by the toolkit. */
export type ServerVersion = () => Promise<string>;

/** Whether Qdrant `version` has the in-place named-vector calls; a dev build's unparsable version counts as recent. */
export async function namedVectorCalls(
  version: ServerVersion,
): Promise<{ supported: boolean; version: string }> {
  const text = await version();
  const match = /^v?(\d+)\.(\d+)/.exec(text);
  if (!match) return { supported: true, version: text };
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [wantMajor, wantMinor] = NAMED_VECTOR_CALLS_SINCE;
  return {
    supported: major > wantMajor || (major === wantMajor && minor >= wantMinor),
    version: text,
  };
}

async function requireNamedVectorCalls(version: ServerVersion, what: string): Promise<void> {
  const support = await namedVectorCalls(version);
  if (!support.supported) {
    throw new QdrantVersionUnsupportedError(
      support.version,
      NAMED_VECTOR_CALLS_SINCE.join("."),
      what,
    );
  }
}

/**
 * Adds named vector `vectorName` in place; nothing to do when it exists with
 * the same config, refused when it exists with another (its space cannot
 * change in place) or when the collection has one unnamed vector (Qdrant
 * would turn it into named vectors `""` and `vectorName`, a shape change
 * that existing readers and writers of the unnamed vector do not expect).
 */
export async function addVector(
  client: QdrantClient,
  version: ServerVersion,
  collection: string,
  vectorName: string,
  config: Schemas["VectorNameConfig"],
): Promise<SchemaChangeResult> {
  const info = await client.getCollection(collection);
  const { vectors } = info.config.params;
  const field = `vectors.${vectorName}`;
  if (isSingleVector(vectors)) {
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
  await requireNamedVectorCalls(version, `add vector "${vectorName}" to "${collection}"`);
  await client.createVectorName(collection, vectorName, config, { wait: true });
  return { changed: true };
}

/**
 * Removes named vector `vectorName` (dense or sparse) and its data; nothing
 * to do when it is absent. The tracking client snapshots the collection
 * first, since this deletes data.
 */
export async function removeVector(
  client: QdrantClient,
  version: ServerVersion,
  collection: string,
  vectorName: string,
): Promise<SchemaChangeResult> {
  const info = await client.getCollection(collection);
  if (isSingleVector(info.config.params.vectors)) return { changed: false };
  if (!liveVector(info, vectorName) && !liveSparseVector(info, vectorName)) {
    return { changed: false };
  }
  await requireNamedVectorCalls(version, `remove vector "${vectorName}" from "${collection}"`);
  await client.deleteVectorName(collection, vectorName, { wait: true });
  return { changed: true };
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
