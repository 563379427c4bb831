import type { Kysely } from "kysely";
import type { JournalDatabase } from "../journal/tables.js";
import { readLiveConfig, stampSchemaVersion } from "../qdrant/live-config.js";
import type { Runtime } from "./runtime.js";

/**
 * Records the live config of each collection a migration touched in
 * `qdrant_schema_versions` (inside the migration's transaction, so it commits
 * with it) and stamps the new version into the collection's own metadata.
 */
export async function recordSchemaVersions(
  rt: Runtime,
  trx: Kysely<JournalDatabase>,
  collections: readonly string[],
  migration: string,
): Promise<void> {
  for (const collection of collections) {
    const live = await readLiveConfig(rt.qdrant, collection);
    if (!live) {
      await rt.versions.remove(collection, { db: trx });
      continue;
    }
    const schemaVersion = await rt.versions.record(
      {
        collectionName: collection,
        vectorsConfig: live.vectorsConfig,
        payloadSchema: live.payloadSchema,
        aliases: live.aliases,
        config: live.config,
        lastMigration: migration,
      },
      { db: trx },
    );
    await stampSchemaVersion(rt.qdrant, collection, { schemaVersion, migration });
  }
}
