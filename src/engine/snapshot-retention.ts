import { messageOf } from "../errors.js";
import type { OwnedSnapshotFile } from "../journal/created-objects.js";
import { isUnfinished } from "../journal/journal-states.js";
import type { SnapshotRecord } from "../journal/table-types.js";
import {
  deleteReplicaSnapshot,
  listReplicaSnapshots,
  type ReplicaSnapshotFile,
} from "../qdrant/replica-snapshots.js";
import { redactSecrets } from "../util/redact.js";
import type { EngineContext } from "./engine-context.js";
import type { PrunedSnapshots, SnapshotListing, SnapshotNeed } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";

/*
 * Retention acts only on the shard snapshot files this project's journal
 * recorded (the created-objects ledger: its database, its table prefix):
 * a Qdrant server may be shared, and another project's files look alike.
 * A file on a collection this project snapshotted that its ledger does not
 * name is another project's, or one a runner of this project took and died
 * before journaling (snapshot and journal write are not atomic); either way it
 * is left alone and only counted (`leftAlone`).
 */

type FileKey = string;

function keyOf(f: {
  collection: string;
  peerId: number;
  shardId: number;
  snapshot: string;
}): FileKey {
  return JSON.stringify([f.collection, f.peerId, f.shardId, f.snapshot]);
}

function fileKey(f: ReplicaSnapshotFile): FileKey {
  return keyOf({ ...f, snapshot: f.name });
}

/**
 * The snapshot files a rollback may still restore from: those of every
 * unfinished row (`in_progress` or `undoing`: a run in flight, or one whose runner died and awaits
 * recovery: never deleted, whatever `force` says), and, unless `force`,
 * those applied migrations need for `down --from-snapshot`.
 */
async function neededSnapshots(rt: Runtime, force: boolean): Promise<Map<FileKey, SnapshotNeed>> {
  const needed = new Map<FileKey, SnapshotNeed>();
  const need = (snapshots: readonly SnapshotRecord[], why: SnapshotNeed) => {
    for (const s of snapshots) {
      for (const r of s.replicas ?? []) needed.set(keyOf({ ...r, collection: s.collection }), why);
    }
  };
  for (const record of await rt.journal.list()) {
    const migration = record.name;
    const unfinished = isUnfinished(record.status);
    if (unfinished) need(record.snapshots, { migration, reason: "in_progress" });
    // A `down` in flight (or interrupted) leaves its migration applied when undone.
    const applied = record.status === "applied" || (unfinished && record.direction === "down");
    if (applied && !force) {
      need(record.appliedChanges?.snapshots ?? [], { migration, reason: "applied" });
    }
  }
  return needed;
}

/** This project's recorded files, by collection. */
async function ownedByCollection(
  rt: Runtime,
  collection?: string,
): Promise<Map<string, OwnedSnapshotFile[]>> {
  const out = new Map<string, OwnedSnapshotFile[]>();
  for (const file of await rt.ledger.snapshots(collection)) {
    out.set(file.collection, [...(out.get(file.collection) ?? []), file]);
  }
  return out;
}

/**
 * Keeps the newest `keep` of this project's snapshots of each replica of
 * `collection` (every attempt leaves one per replica, so that keeps the
 * newest `keep` attempts whole) and deletes the older ones on the peer
 * holding them, except those `needed`.
 */
async function pruneCollection(
  rt: Runtime,
  collection: string,
  owned: readonly OwnedSnapshotFile[],
  keep: number,
  needed: ReadonlyMap<FileKey, SnapshotNeed>,
): Promise<PrunedSnapshots> {
  const topology = await rt.topology();
  const ownedKeys = new Map(owned.map((o) => [keyOf(o), o]));
  const files = await listReplicaSnapshots(topology, collection);
  const mine = files.filter((f) => ownedKeys.has(fileKey(f)));
  const byReplica = new Map<string, ReplicaSnapshotFile[]>();
  for (const file of mine) {
    const replica = `${file.peerId}/${file.shardId}`;
    byReplica.set(replica, [...(byReplica.get(replica) ?? []), file]);
  }
  const result: PrunedSnapshots = {
    collection,
    deleted: [],
    kept: [],
    leftAlone: files.length - mine.length,
  };
  for (const replicaFiles of byReplica.values()) {
    // Oldest first (listReplicaSnapshots): all but the newest `keep` may go.
    for (const file of replicaFiles.slice(0, Math.max(0, replicaFiles.length - keep))) {
      const need = needed.get(fileKey(file));
      if (need) {
        result.kept.push({ name: file.name, neededBy: need.migration, reason: need.reason });
        continue;
      }
      await deleteReplicaSnapshot(topology, file);
      await rt.ledger.forgetSnapshot({ ...file, snapshot: file.name });
      result.deleted.push(file.name);
    }
  }
  return result;
}

/**
 * Retention after an attempt (success or rollback): keeps the newest
 * `snapshots.keep` of this project's shard snapshots of each replica of each
 * collection the attempt snapshotted, never the attempt's own nor one a run
 * in flight or an applied migration needs. A failure to prune is a warning:
 * the migration's outcome stands.
 */
export async function pruneAfterAttempt(ctx: EngineContext, migration: string): Promise<void> {
  const { rt, config } = ctx;
  const record = await rt.journal.get(migration);
  const needed = await neededSnapshots(rt, false);
  for (const snapshot of record?.snapshots ?? []) {
    try {
      const own = new Map(needed);
      for (const r of snapshot.replicas) {
        own.set(keyOf({ ...r, collection: snapshot.collection }), {
          migration,
          reason: "in_progress",
        });
      }
      const owned = (await ownedByCollection(rt, snapshot.collection)).get(snapshot.collection);
      await pruneCollection(rt, snapshot.collection, owned ?? [], config.snapshots.keep, own);
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

/**
 * This project's shard snapshots still on the server, per collection and
 * replica (oldest first), and how many other snapshots of those collections
 * were left out because its journal does not record them.
 */
export async function listOwnedSnapshots(rt: Runtime): Promise<SnapshotListing> {
  // Not a locked run, which would re-read the topology: peers may have changed since the last.
  rt.forgetTopology();
  const topology = await rt.topology();
  const listing: SnapshotListing = { snapshots: [], leftAlone: 0 };
  for (const [collection, owned] of [...(await ownedByCollection(rt))].sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    const byKey = new Map(owned.map((o) => [keyOf(o), o]));
    for (const file of await listReplicaSnapshots(topology, collection)) {
      const mine = byKey.get(fileKey(file));
      if (mine) listing.snapshots.push({ ...file, migration: mine.migration });
      else listing.leftAlone++;
    }
  }
  return listing;
}

/**
 * Deletes all but the newest `keep` of this project's snapshots of every
 * replica, except those a run in flight needs (always kept) and those an
 * applied migration needs for `down --from-snapshot` (kept unless `force`);
 * kept ones are reported with who needs them. Run holding the lock.
 */
export async function pruneOwnedSnapshots(
  rt: Runtime,
  keep: number,
  force: boolean,
): Promise<PrunedSnapshots[]> {
  const needed = await neededSnapshots(rt, force);
  const out: PrunedSnapshots[] = [];
  for (const [collection, owned] of [...(await ownedByCollection(rt))].sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    out.push(await pruneCollection(rt, collection, owned, keep, needed));
  }
  return out;
}
