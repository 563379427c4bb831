import type { Kysely } from "kysely";
import { recordOf } from "../collection-schema/collection-schema.js";
import { messageOf } from "../errors.js";
import type { JournalDatabase, SchemaVersionBefore } from "../journal/table-types.js";
import { readAliases } from "../qdrant/aliases.js";
import { readCollectionSchema } from "../qdrant/read-schema.js";
import { stampSchemaVersion } from "../qdrant/schema-stamp.js";
import type { Runtime } from "./runtime.js";

export interface RecordedVersion {
  collection: string;
  /** Null when a `down` put the collection back to having no version: its stamp is removed. */
  schemaVersion: number | null;
  /** Null for a version put back to one `baseline` recorded. */
  migration: string | null;
}

/**
 * After an `up`: records the live config of each collection it touched in
 * `qdrant_schema_versions`, inside the migration's transaction so it commits
 * with it. Returns the new versions, to be stamped once committed, and the
 * rows they replaced, for the journal to keep until a `down` puts them back.
 */
export async function recordUpVersions(
  rt: Runtime,
  trx: Kysely<JournalDatabase>,
  collections: readonly string[],
  migration: string,
): Promise<{ versions: RecordedVersion[]; before: SchemaVersionBefore[] }> {
  const before: SchemaVersionBefore[] = [];
  for (const collection of collections) {
    const row = await rt.versions.get(collection, { db: trx });
    const recorded = row
      ? {
          schemaVersion: row.schemaVersion,
          vectorsConfig: row.vectorsConfig,
          payloadSchema: row.payloadSchema,
          aliases: row.aliases,
          config: row.config,
          lastMigration: row.lastMigration,
        }
      : null;
    before.push({ collection, recorded });
  }
  return { versions: await recordLiveVersions(rt, trx, collections, migration), before };
}

/**
 * After a `down`: each collection whose version the reverted `up` set (and
 * nothing set since) goes back to the row that `up` replaced, or loses its
 * row when it had none before that `up` (created by it, or unrecorded until
 * then), and with it the stamp in its metadata; the recorded schema is the
 * one from before, so `check` reports a `down` that did not put the
 * collection back. Every other collection the `down` touched is recorded as
 * it is now (one whose `up` ran under a version that kept no earlier rows).
 */
export async function recordDownVersions(
  rt: Runtime,
  trx: Kysely<JournalDatabase>,
  collections: readonly string[],
  migration: string,
): Promise<RecordedVersion[]> {
  const applied = await rt.journal.get(migration);
  const versions: RecordedVersion[] = [];
  const reverted = new Set<string>();
  for (const { collection, recorded } of applied?.versionsBefore ?? []) {
    const current = await rt.versions.get(collection, { db: trx });
    // A later migration or a baseline set it since: its version is not this one's to undo.
    if (current?.lastMigration !== migration) continue;
    reverted.add(collection);
    if (recorded === null) {
      await rt.versions.remove(collection, { db: trx });
      // A collection the down dropped has no stamp left to remove.
      if ((await rt.qdrant.client.collectionExists(collection)).exists) {
        versions.push({ collection, schemaVersion: null, migration: null });
      }
      continue;
    }
    await rt.versions.restore(collection, recorded, { db: trx });
    versions.push({
      collection,
      schemaVersion: recorded.schemaVersion,
      migration: recorded.lastMigration,
    });
  }
  const others = collections.filter((c) => !reverted.has(c));
  return [...versions, ...(await recordLiveVersions(rt, trx, others, migration))];
}

/**
 * Collections a run did not change but moved an alias off or onto (the source
 * of a blue-green copy, which the run only read): a recorded one keeps its
 * version and last migration, and only its aliases are brought up to date (so
 * `check` sees no drift); an unrecorded one stays unrecorded.
 */
export async function refreshRecordedAliases(
  rt: Runtime,
  trx: Kysely<JournalDatabase>,
  moves: { aliases: readonly string[]; previousTargets: readonly string[] },
  touched: readonly string[],
): Promise<void> {
  if (moves.aliases.length === 0) return;
  const live = await readAliases(rt.qdrant);
  const moved = new Set(moves.aliases);
  const targets = live.filter((a) => moved.has(a.alias)).map((a) => a.collection);
  const changed = new Set(touched);
  const collections = new Set(
    [...moves.previousTargets, ...targets].filter((c) => !changed.has(c)),
  );
  for (const collection of collections) {
    if (!(await rt.versions.get(collection, { db: trx }))) continue;
    const aliases = live
      .filter((a) => a.collection === collection)
      .map((a) => a.alias)
      .sort();
    await rt.versions.setAliases(collection, aliases, { db: trx });
  }
}

/** Records each collection's live config as its next version (forgets one that is gone). */
async function recordLiveVersions(
  rt: Runtime,
  trx: Kysely<JournalDatabase>,
  collections: readonly string[],
  migration: string,
): Promise<RecordedVersion[]> {
  const recorded: RecordedVersion[] = [];
  for (const collection of collections) {
    const live = await readCollectionSchema(rt.qdrant, collection);
    if (!live) {
      await rt.versions.remove(collection, { db: trx });
      continue;
    }
    const schemaVersion = await rt.versions.record(
      { collectionName: collection, ...recordOf(live), lastMigration: migration },
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
      const what =
        v.schemaVersion === null
          ? "remove the schema version stamp from"
          : `stamp schema version ${v.schemaVersion} on`;
      await warn(`could not ${what} ${v.collection}: ${messageOf(error)}`);
    }
  }
}
