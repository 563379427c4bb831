import { STAMP_KEY } from "../collection-schema/collection-schema.js";
import { METADATA_SINCE, versionAtLeast } from "../collection-schema/server-version.js";
import type { QdrantConnection } from "./connect.js";

/**
 * Writes `metadata.qdrant_migrate = { schema_version, migration, migrated_at }`
 * on the collection (PATCH merges metadata, so other keys stay); a null
 * `schemaVersion` removes the key (`null` deletes a metadata key). Returns
 * false, writing nothing, when the server predates collection metadata (1.16).
 */
export async function stampSchemaVersion(
  conn: QdrantConnection,
  collection: string,
  info: { schemaVersion: number | null; migration: string | null },
): Promise<boolean> {
  if (!versionAtLeast(await conn.serverVersion(), METADATA_SINCE)) return false;
  const stamp =
    info.schemaVersion === null
      ? null
      : {
          schema_version: info.schemaVersion,
          migration: info.migration,
          migrated_at: new Date().toISOString(),
        };
  await conn.client.updateCollection(collection, { metadata: { [STAMP_KEY]: stamp } });
  return true;
}
