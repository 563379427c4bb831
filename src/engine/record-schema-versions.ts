import type { Kysely } from "kysely";
import { messageOf } from "../errors.js";
import type { JournalDatabase } from "../journal/schema.js";
import { readLiveConfig, stampSchemaVersion } from "../qdrant/live-config.js";
import type { Runtime } from "./runtime.js";

export interface RecordedVersion {
  collection: string;
  schemaVersion: number;
  migration: string;
}

/**
 * Records the live config of each collection a migration touched in
 * `qdrant_schema_versions`, inside the migration's transaction so it commits
 * with it. Returns the new versions, to be stamped once committed.
 */
export async function recordSchemaVersions(
  rt: Runtime,
  trx: Kysely<JournalDatabase>,
  collections: readonly string[],
  migration: string,
): Promise<RecordedVersion[]> {
  const recorded: RecordedVersion[] = [];
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
    recorded.push({ collection, schemaVersion, migration });
  }
  return recorded;
}

/**
 * Stamps each new version into its collection's own metadata, after the
 * commit: stamped before, a rolled-back collection would keep the failed
 * migration's stamp. Best effort: the journal is the record, the stamp a
 * convenience, so a failure is reported and the run goes on.
 */
export async function stampSchemaVersions(
  rt: Runtime,
  versions: readonly RecordedVersion[],
  warn: (message: string) => Promise<void>,
): Promise<void> {
  for (const v of versions) {
    try {
      await stampSchemaVersion(rt.qdrant, v.collection, {
        schemaVersion: v.schemaVersion,
        migration: v.migration,
      });
    } catch (error) {
      await warn(
        `could not stamp schema version ${v.schemaVersion} on ${v.collection}: ${messageOf(error)}`,
      );
    }
  }
}
