import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "./collection-diff.js";
import { type EnsureCollectionResult, ensureCollection } from "./ensure-collection.js";
import { addVector, removeVector } from "./named-vectors.js";
import {
  createPayloadIndex,
  dropPayloadIndex,
  type PayloadIndexSchema,
  type SchemaChangeResult,
} from "./payload-indexes.js";
import type { CollectionPatch } from "./settings-diff.js";
import { type UpdateCollectionResult, updateCollection } from "./update-collection.js";

/**
 * `ctx.schema`: idempotent schema operations for migration steps. Each reads
 * the live collection, does only what differs, and refuses with a typed
 * error what Qdrant cannot do in place. Every change goes through the step's
 * tracking client, so the engine records and rolls it back like a direct call.
 */
export interface SchemaToolkit {
  /** Creates the collection (with `payloadIndexes`), or brings an existing one to the spec in place. */
  ensureCollection(collection: string, spec: CollectionSpec): Promise<EnsureCollectionResult>;
  /** Updates in-place settings; sends only what differs. */
  updateCollection(collection: string, patch: CollectionPatch): Promise<UpdateCollectionResult>;
  /** Creates a payload index unless the same one exists; another schema on the field is refused. */
  createPayloadIndex(
    collection: string,
    field: string,
    schema: PayloadIndexSchema,
  ): Promise<SchemaChangeResult>;
  dropPayloadIndex(collection: string, field: string): Promise<SchemaChangeResult>;
  /** Adds a named vector in place (Qdrant 1.18+). */
  addVector(
    collection: string,
    vectorName: string,
    config: Schemas["VectorNameConfig"],
  ): Promise<SchemaChangeResult>;
  /** Removes a named vector and its data in place (Qdrant 1.18+). */
  removeVector(collection: string, vectorName: string): Promise<SchemaChangeResult>;
}

/** The toolkit over `qdrant`, the step's tracking client; the server version is asked once. */
export function createSchemaToolkit(qdrant: QdrantClient): SchemaToolkit {
  let version: Promise<string> | undefined;
  const serverVersion = () => {
    version ??= qdrant.versionInfo().then((info) => info.version);
    version.catch(() => {
      version = undefined;
    });
    return version;
  };
  return {
    ensureCollection: (collection, spec) =>
      ensureCollection(qdrant, serverVersion, collection, spec),
    updateCollection: (collection, patch) => updateCollection(qdrant, collection, patch),
    createPayloadIndex: (collection, field, schema) =>
      createPayloadIndex(qdrant, collection, field, schema),
    dropPayloadIndex: (collection, field) => dropPayloadIndex(qdrant, collection, field),
    addVector: (collection, vectorName, config) =>
      addVector(qdrant, serverVersion, collection, vectorName, config),
    removeVector: (collection, vectorName) =>
      removeVector(qdrant, serverVersion, collection, vectorName),
  };
}
