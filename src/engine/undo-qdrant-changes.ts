import type { QdrantChanges } from "../journal/schema.js";
import { restoreAliases } from "../qdrant/aliases.js";
import { restoreClusterSnapshot } from "../qdrant/cluster-snapshots.js";
import { SnapshotRestoreError } from "../qdrant/errors.js";
import { restoreSchemaState } from "../qdrant/schema-state.js";
import type { Runtime } from "./runtime.js";

/**
 * Puts Qdrant back as it was before a migration run, from what the run (or its
 * journal row, after a crash) recorded: drops collections it created, restores
 * each snapshotted collection in place, every shard replica on its own peer
 * (restoreClusterSnapshot; the name keeps answering throughout, and the
 * restore is proven by exact counts per replica and in total), undoes
 * schema-only changes by their inverse from each collection's recorded schema
 * (after the snapshots, which hold the schema as it was when they were taken),
 * then puts the aliases back.
 * Safe to run again after it was interrupted itself.
 */
export async function undoQdrantChanges(
  rt: Runtime,
  changes: QdrantChanges,
  log: (message: string) => void,
): Promise<void> {
  const restored = new Set(changes.snapshots.map((s) => s.collection));
  for (const collection of changes.createdCollections) {
    if (restored.has(collection)) continue;
    const { exists } = await rt.qdrant.client.collectionExists(collection);
    if (exists) {
      log(`dropping collection ${collection}, which the migration created`);
      await rt.qdrant.client.deleteCollection(collection);
    }
  }
  for (const snapshot of changes.snapshots) {
    if (!Array.isArray(snapshot.replicas)) throw legacyRecord(snapshot.collection);
    log(
      `restoring collection ${snapshot.collection} from ${snapshot.replicas.length} shard snapshot(s)`,
    );
    await restoreClusterSnapshot(await rt.topology(), snapshot, { log });
  }
  for (const schema of changes.schemasBefore) {
    await restoreSchemaState(rt.qdrant, schema, log);
  }
  if (changes.aliasesBefore) {
    await restoreAliases(rt.qdrant, changes.aliasesBefore, aliasScope(changes));
  }
}

/**
 * The aliases undoing `changes` may move: those the run changed, and those
 * that pointed at a collection it snapshotted or created. Every other alias on
 * the server (another application's) is left alone.
 */
export function aliasScope(changes: QdrantChanges): {
  aliases: Set<string>;
  collections: Set<string>;
} {
  const collections = new Set([
    ...changes.snapshots.map((s) => s.collection),
    ...changes.createdCollections,
  ]);
  const aliases = new Set(changes.changedAliases);
  for (const alias of changes.aliasesBefore ?? []) {
    if (collections.has(alias.collection)) aliases.add(alias.alias);
  }
  return { aliases, collections };
}

/**
 * A journal row written before snapshots were taken per shard replica (one
 * collection snapshot, no `replicas`) cannot be restored by this version.
 */
function legacyRecord(collection: string): SnapshotRestoreError {
  return new SnapshotRestoreError(
    collection,
    "(collection snapshot)",
    "it was recorded by an earlier qdrant-migrate as one collection snapshot, which this " +
      "version no longer restores; recover that snapshot with Qdrant's snapshot API, then run `repair`",
  );
}
