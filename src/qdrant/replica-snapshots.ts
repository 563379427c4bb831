import type { Schemas } from "@qdrant/js-client-rest";
import { QdrantRequestError } from "./errors.js";
import { type Peer, peersOf, readPlacement, type Topology } from "./topology.js";

/** One shard snapshot file, on the peer that holds it. */
export interface ReplicaSnapshotFile {
  collection: string;
  peerId: number;
  shardId: number;
  name: string;
  size: number;
  creationTime: string | null;
}

/**
 * Every shard snapshot of `collection` on every peer holding one of its
 * replicas (a single node is one peer), oldest first per replica. Empty when
 * the collection does not exist.
 */
export async function listReplicaSnapshots(
  topology: Topology,
  collection: string,
): Promise<ReplicaSnapshotFile[]> {
  return (await replicaFiles(topology, collection)).files;
}

async function replicaFiles(
  topology: Topology,
  collection: string,
): Promise<{ peers: Peer[]; files: ReplicaSnapshotFile[] }> {
  const placement = await readPlacement(topology, collection);
  if (!placement) return { peers: [], files: [] };
  const peers = peersOf(topology, placement);
  const files: ReplicaSnapshotFile[] = [];
  for (const peer of peers) {
    for (const shardId of await localShards(peer, collection)) {
      const listed = await peer.conn.client.listShardSnapshots(collection, shardId);
      for (const s of oldestFirst(listed)) {
        files.push({
          collection,
          peerId: peer.peerId,
          shardId,
          name: s.name,
          size: s.size,
          creationTime: s.creation_time ?? null,
        });
      }
    }
  }
  return { peers, files };
}

/**
 * Keeps the newest `keep` snapshots of each replica of `collection` and
 * deletes the older ones on the peer holding them, never a `protect`ed name.
 * Every replica gets one snapshot per migration attempt, so keeping `keep`
 * per replica keeps the `keep` newest attempts whole. Returns what was
 * deleted, and what was old enough to go but spared because it is protected.
 */
export async function pruneReplicaSnapshots(
  topology: Topology,
  collection: string,
  keep: number,
  protect: readonly string[],
): Promise<{ deleted: ReplicaSnapshotFile[]; spared: ReplicaSnapshotFile[] }> {
  const spared = new Set(protect);
  const { peers, files: all } = await replicaFiles(topology, collection);
  const byReplica = new Map<string, ReplicaSnapshotFile[]>();
  for (const file of all) {
    const key = `${file.peerId}/${file.shardId}`;
    byReplica.set(key, [...(byReplica.get(key) ?? []), file]);
  }
  const deleted: ReplicaSnapshotFile[] = [];
  const kept: ReplicaSnapshotFile[] = [];
  for (const files of byReplica.values()) {
    const old = files.slice(0, Math.max(0, files.length - keep));
    kept.push(...old.filter((f) => spared.has(f.name)));
    const doomed = old.filter((f) => !spared.has(f.name));
    for (const file of doomed) {
      const peer = peers.find((p) => p.peerId === file.peerId);
      if (!peer) continue;
      try {
        await peer.conn.client.deleteShardSnapshot(collection, file.shardId, file.name, {
          wait: true,
        });
      } catch (error) {
        // Already gone (another prune, or by hand): the goal is met.
        if (!(error instanceof QdrantRequestError && error.status === 404)) throw error;
      }
      deleted.push(file);
    }
  }
  return { deleted, spared: kept };
}

async function localShards(peer: Peer, collection: string): Promise<number[]> {
  const info = await peer.conn.client.collectionClusterInfo(collection);
  return info.local_shards.map((s) => s.shard_id);
}

function oldestFirst(list: Schemas["SnapshotDescription"][]): Schemas["SnapshotDescription"][] {
  return [...list].sort(
    (a, b) =>
      (a.creation_time ?? "").localeCompare(b.creation_time ?? "") || a.name.localeCompare(b.name),
  );
}
