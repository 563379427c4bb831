import { messageOf } from "../errors.js";
import { listReplicaSnapshots, pruneReplicaSnapshots } from "../qdrant/replica-snapshots.js";
import { redactSecrets } from "../util/redact.js";
import type { EngineContext } from "./engine-context.js";
import type { PrunedSnapshots, SnapshotListEntry } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";

/**
 * The shard snapshots that applied migrations still need for
 * `down --from-snapshot`: snapshot name → the migration that needs it.
 */
async function neededForDown(rt: Runtime): Promise<Map<string, string>> {
  const needed = new Map<string, string>();
  for (const record of await rt.journal.list()) {
    if (record.status !== "applied") continue;
    for (const snapshot of record.appliedChanges?.snapshots ?? []) {
      for (const replica of snapshot.replicas) needed.set(replica.snapshot, record.name);
    }
  }
  return needed;
}

/**
 * Retention after an attempt (success or rollback): keeps the newest
 * `snapshots.keep` shard snapshots of each replica of each collection it
 * snapshotted, on the peer holding them, never the attempt's own nor one an
 * applied migration needs for `down --from-snapshot`.
 * A failure to prune is a warning: the migration's outcome stands.
 */
export async function pruneAfterAttempt(ctx: EngineContext, migration: string): Promise<void> {
  const { rt, config } = ctx;
  const record = await rt.journal.get(migration);
  const needed = [...(await neededForDown(rt)).keys()];
  for (const snapshot of record?.snapshots ?? []) {
    try {
      const own = snapshot.replicas.map((r) => r.snapshot);
      await pruneReplicaSnapshots(await rt.topology(), snapshot.collection, config.snapshots.keep, [
        ...own,
        ...needed,
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

/** Every shard snapshot of every collection on every peer, oldest first within a replica. */
export async function listAllSnapshots(rt: Runtime): Promise<SnapshotListEntry[]> {
  // Not a locked run, which would re-read the topology: peers may have changed since the last.
  rt.forgetTopology();
  const topology = await rt.topology();
  const { collections } = await rt.qdrant.client.getCollections();
  const entries: SnapshotListEntry[] = [];
  for (const { name } of collections) {
    for (const s of await listReplicaSnapshots(topology, name)) {
      entries.push({
        collection: name,
        peerId: s.peerId,
        shardId: s.shardId,
        name: s.name,
        size: s.size,
        creationTime: s.creationTime,
      });
    }
  }
  return entries;
}

/**
 * Deletes all but the newest `keep` snapshots of every replica of every
 * collection, except those an applied migration needs for
 * `down --from-snapshot` (unless `force`), which are reported as kept.
 * Run holding the lock.
 */
export async function pruneAllSnapshots(
  rt: Runtime,
  keep: number,
  force: boolean,
): Promise<PrunedSnapshots[]> {
  const topology = await rt.topology();
  const needed = force ? new Map<string, string>() : await neededForDown(rt);
  const { collections } = await rt.qdrant.client.getCollections();
  const out: PrunedSnapshots[] = [];
  for (const { name } of collections) {
    const { deleted, spared } = await pruneReplicaSnapshots(topology, name, keep, [
      ...needed.keys(),
    ]);
    out.push({
      collection: name,
      deleted: deleted.map((d) => d.name),
      kept: spared.map((s) => ({ name: s.name, neededBy: needed.get(s.name) ?? "" })),
    });
  }
  return out;
}
