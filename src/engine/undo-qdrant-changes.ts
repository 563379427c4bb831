import type { QdrantChanges } from "../journal/schema.js";
import { restoreAliases } from "../qdrant/aliases.js";
import { restoreCollection } from "../qdrant/restore-collection.js";
import type { Runtime } from "./runtime.js";

/**
 * Puts Qdrant back as it was before a migration run, from what the run (or its
 * journal row, after a crash) recorded: drops collections it created, restores
 * each snapshotted collection (restoreCollection proves the snapshot
 * recoverable before it replaces anything), then puts the aliases back.
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
    log(`restoring collection ${snapshot.collection} from snapshot ${snapshot.snapshot}`);
    await restoreCollection(rt.qdrant, snapshot, { log });
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
