import { messageOf } from "../errors.js";
import { listSnapshots, pruneSnapshots } from "../qdrant/snapshots.js";
import { redactSecrets } from "../util/redact.js";
import type { EngineContext } from "./engine-context.js";
import type { PrunedSnapshots, SnapshotListEntry } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";

/**
 * Retention after an attempt (success or rollback): keeps the newest
 * `snapshots.keep` of each collection it snapshotted, never the attempt's own.
 * A failure to prune is a warning: the migration's outcome stands.
 */
export async function pruneAfterAttempt(ctx: EngineContext, migration: string): Promise<void> {
  const { rt, config } = ctx;
  const record = await rt.journal.get(migration);
  for (const snapshot of record?.snapshots ?? []) {
    try {
      await pruneSnapshots(rt.qdrant, snapshot.collection, config.snapshots.keep, [
        snapshot.snapshot,
      ]);
    } catch (error) {
      const message = `could not prune old snapshots of ${snapshot.collection}: ${messageOf(error)}`;
      await ctx.emit({
        type: "log",
        level: "warn",
        migration,
        message: redactSecrets(message, rt.secrets),
      });
    }
  }
}

/** Every snapshot of every collection, oldest first within a collection. */
export async function listAllSnapshots(rt: Runtime): Promise<SnapshotListEntry[]> {
  const { collections } = await rt.qdrant.client.getCollections();
  const entries: SnapshotListEntry[] = [];
  for (const { name } of collections) {
    for (const s of await listSnapshots(rt.qdrant, name)) {
      entries.push({
        collection: name,
        name: s.name,
        size: s.size,
        creationTime: s.creation_time ?? null,
      });
    }
  }
  return entries;
}

/** Deletes all but the newest `keep` snapshots of every collection. Run holding the lock. */
export async function pruneAllSnapshots(rt: Runtime, keep: number): Promise<PrunedSnapshots[]> {
  const { collections } = await rt.qdrant.client.getCollections();
  const out: PrunedSnapshots[] = [];
  for (const { name } of collections) {
    out.push({ collection: name, deleted: await pruneSnapshots(rt.qdrant, name, keep, []) });
  }
  return out;
}
