import { createBody } from "../collection-schema/create-body.js";
import { ShardRestoreError, ShardSnapshotMissingError } from "./cluster-errors.js";
import type { ClusterSnapshotRecord, ReplicaSnapshot } from "./cluster-snapshots.js";
import { exactCount, recoverShard } from "./cluster-snapshots.js";
import { peersOf, readPlacement, type Topology } from "./topology.js";

/**
 * Recovers the snapshots of `record` into a new collection `target`, leaving
 * the original alone: what the collection held when it was snapshotted, to be
 * read and compared. Every replica of `target` is recovered from its shard's
 * file by URL on the peer that holds it (the file lives under the original
 * collection's folder), then the copy is proven by its exact count. The
 * caller drops `target` when done (dropCopy).
 */
export async function recoverCopy(
  topology: Topology,
  record: ClusterSnapshotRecord,
  target: string,
  opts: { transferTimeoutMs?: number } = {},
): Promise<void> {
  const { conn } = topology;
  await assertSnapshotsPresent(topology, record);
  await conn.client.createCollection(target, createBody(record.params));
  try {
    await fillCopy(topology, record, target, opts);
  } catch (error) {
    // A half-recovered copy is a full-size collection nobody would drop.
    await dropCopy(topology, target).catch(() => {});
    throw error;
  }
}

async function fillCopy(
  topology: Topology,
  record: ClusterSnapshotRecord,
  target: string,
  opts: { transferTimeoutMs?: number },
): Promise<void> {
  const { conn } = topology;
  const placement = await readPlacement(topology, target);
  if (!placement) throw copyError(record, target, "it vanished right after it was created");
  const copy = { ...record, collection: target };
  await Promise.all(
    peersOf(topology, placement).map(async (peer) => {
      for (const { shardId } of placement.replicas.filter((r) => r.peerId === peer.peerId)) {
        const source = record.replicas.find((r) => r.shardId === shardId);
        const holderUrl = source && urlOfPeer(topology, source.peerId);
        if (!source || !holderUrl) {
          throw copyError(record, target, `no reachable snapshot of shard ${shardId} was taken`);
        }
        const location = `${holderUrl}/collections/${encodeURIComponent(record.collection)}/shards/${shardId}/snapshots/${encodeURIComponent(source.snapshot)}`;
        await recoverShard(peer, copy, shardId, location, source, opts.transferTimeoutMs);
      }
    }),
  );
  const count = await exactCount(conn, target);
  if (count !== record.pointsCount) {
    throw copyError(
      record,
      target,
      `it holds ${count} points, not the ${record.pointsCount} recorded with the snapshot`,
    );
  }
}

/** Drops a copy made by recoverCopy; a copy already gone is fine. */
export async function dropCopy(topology: Topology, target: string): Promise<void> {
  await topology.conn.client.deleteCollection(target);
}

const COPY_MARK = "__qdrant_migrate_copy_";

/** A name no application uses, unique per copy, that tells whose copy it is. */
export function copyName(collection: string): string {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return `${collection.slice(0, 180)}${COPY_MARK}${suffix}`;
}

/**
 * Whether `name` has the shape of a copy of `collection` made by copyName. The
 * shape alone does not say whose copy it is (another project's run may be
 * using one): only the caller's own record does.
 */
export function isCopyOf(name: string, collection: string): boolean {
  return name.startsWith(`${collection.slice(0, 180)}${COPY_MARK}`);
}

/**
 * Each shard's snapshot must still be on the peer that took it: a missing
 * file is named as such (no retry brings it back), not as a failed download.
 */
async function assertSnapshotsPresent(
  topology: Topology,
  record: ClusterSnapshotRecord,
): Promise<void> {
  const [missing] = await missingReplicaSnapshots(topology, record);
  if (missing) {
    throw new ShardSnapshotMissingError(
      record.collection,
      missing.peerId,
      missing.shardId,
      missing.snapshot,
    );
  }
}

/**
 * The replicas of `record` whose snapshot file is no longer listed on the
 * peer that took it. The collection must exist: Qdrant lists a shard's
 * snapshots only while its collection does.
 */
export async function missingReplicaSnapshots(
  topology: Topology,
  record: ClusterSnapshotRecord,
): Promise<ReplicaSnapshot[]> {
  const listed = new Map<string, Set<string>>();
  const missing: ReplicaSnapshot[] = [];
  for (const replica of record.replicas) {
    const url = urlOfPeer(topology, replica.peerId);
    if (!url) continue;
    const key = `${replica.peerId}/${replica.shardId}`;
    let names = listed.get(key);
    if (!names) {
      const conn = topology.mode === "single" ? topology.conn : topology.connect(url);
      const snapshots = await conn.client.listShardSnapshots(record.collection, replica.shardId);
      names = new Set(snapshots.map((s) => s.name));
      listed.set(key, names);
    }
    if (!names.has(replica.snapshot)) missing.push(replica);
  }
  return missing;
}

function urlOfPeer(topology: Topology, peerId: number): string | undefined {
  return topology.mode === "single" ? topology.conn.url : topology.peers.get(peerId)?.url;
}

function copyError(record: ClusterSnapshotRecord, target: string, reason: string) {
  return new ShardRestoreError(
    record.collection,
    undefined,
    undefined,
    `its snapshot could not be read back into the side collection ${target}: ${reason}`,
  );
}
