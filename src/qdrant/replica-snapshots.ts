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
  const placement = await readPlacement(topology, collection);
  if (!placement) return [];
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
  return files;
}

/** Deletes one shard snapshot file on the peer holding it; one already gone is fine. */
export async function deleteReplicaSnapshot(
  topology: Topology,
  file: ReplicaSnapshotFile,
): Promise<void> {
  const placement = await readPlacement(topology, file.collection);
  if (!placement) return;
  const peer = peersOf(topology, placement).find((p) => p.peerId === file.peerId);
  if (!peer) return;
  try {
    await peer.conn.client.deleteShardSnapshot(file.collection, file.shardId, file.name, {
      wait: true,
    });
  } catch (error) {
    // Already gone (by hand, or by Qdrant): the goal is met.
    if (!(error instanceof QdrantRequestError && error.status === 404)) throw error;
  }
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
