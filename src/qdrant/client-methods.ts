/**
 * How each public method of @qdrant/js-client-rest 1.18's QdrantClient
 * behaves, for the retry policy (connect.ts) and the tracking client.
 * Methods listed nowhere are refused by the tracking client.
 */

/** Methods that only read. */
export const READ_METHODS: ReadonlySet<string> = new Set([
  "searchBatch",
  "search",
  "recommendBatch",
  "recommend_batch",
  "recommend",
  "scroll",
  "count",
  "collectionClusterInfo",
  "searchPointGroups",
  "recommendPointGroups",
  "retrieve",
  "getCollectionAliases",
  "getAliases",
  "getCollections",
  "getCollection",
  "listSnapshots",
  "listFullSnapshots",
  "listShardSnapshots",
  "listShardKeys",
  "discoverPoints",
  "discoverBatchPoints",
  "clusterTelemetry",
  "getOptimizations",
  "versionInfo",
  "collectionExists",
  "query",
  "queryBatch",
  "queryGroups",
  "facet",
  "searchMatrixPairs",
  "searchMatrixOffsets",
]);

/**
 * Writes to the points or schema of an existing collection (first argument),
 * with the index of the options argument that carries `wait`.
 */
export const COLLECTION_WRITES: ReadonlyMap<string, number> = new Map([
  ["upsert", 1],
  ["delete", 1],
  ["setPayload", 1],
  ["overwritePayload", 1],
  ["deletePayload", 1],
  ["clearPayload", 1],
  ["updateVectors", 1],
  ["deleteVectors", 1],
  ["batchUpdate", 1],
  ["createPayloadIndex", 1],
  ["deletePayloadIndex", 2],
  ["createVectorName", 3],
  ["deleteVectorName", 2],
  ["updateCollection", -1],
]);

/**
 * Writes that change only a collection's schema, never its points: each has
 * an exact inverse (payload index create ↔ delete, named vector add ↔
 * delete, settings update ↔ the previous settings), so undoing them needs no
 * snapshot. Removing a named vector is not here: it deletes data.
 */
export const SCHEMA_ONLY_WRITES: ReadonlySet<string> = new Set([
  "createPayloadIndex",
  "deletePayloadIndex",
  "createVectorName",
  "updateCollection",
]);

/** Create, replace or drop a whole collection named by the first argument (never an alias). */
export const COLLECTION_LIFECYCLE: ReadonlySet<string> = new Set([
  "createCollection",
  "recreateCollection",
  "deleteCollection",
  "recoverSnapshot",
]);

export const ALIAS_WRITES: ReadonlySet<string> = new Set(["updateCollectionAliases"]);

/**
 * Calls that set state rather than add to it, so repeating one after a
 * connection reset (the first attempt may have been applied) cannot double-apply.
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  ...READ_METHODS,
  "upsert",
  "delete",
  "setPayload",
  "overwritePayload",
  "deletePayload",
  "clearPayload",
  "updateVectors",
  "deleteVectors",
  "batchUpdate",
  "createPayloadIndex",
  "deletePayloadIndex",
  "createVectorName",
  "updateCollection",
]);
