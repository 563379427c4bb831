import type { CollectionSpec } from "../collection-schema/create-body.js";

/**
 * One declared collection: Qdrant's create-collection body (dense `vectors`
 * with size, distance, datatype, `on_disk`, `hnsw_config` and
 * `quantization_config` each; `sparse_vectors`; the collection settings
 * `updateCollection` can change), its `payloadIndexes`, and `alias: true`
 * for a collection that lives behind an alias of its name (`<name>_v<N>`).
 * Settings left out are not compared; vectors and payload indexes are the
 * whole list: one recorded but not declared is to be removed.
 */
export type DeclaredCollection = CollectionSpec & { alias?: boolean };

/**
 * A declaration for every managed collection whose name `match` fits:
 * `*` for any run of characters, or a `{placeholder}` (`whisperengine_memory_{bot}`).
 * It never creates a collection: it applies to those the project's
 * migrations already made (the journal's schema versions).
 */
export type DeclaredTemplate = DeclaredCollection & { match: string };

/** The declared Qdrant schema of a project (`qdrant.schema.ts`). */
export interface DeclaredSchema {
  /** Collections by name (the alias name for `alias: true`). */
  collections?: Record<string, DeclaredCollection>;
  /** Per-tenant collections, all alike, by a name of the template's own. */
  templates?: Record<string, DeclaredTemplate>;
}

/** Returns `schema` unchanged; it exists so schema files get type checking and completion. */
export function defineSchema(schema: DeclaredSchema): DeclaredSchema {
  return schema;
}
