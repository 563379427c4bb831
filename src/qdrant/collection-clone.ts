import {
  type ClusterSnapshotRecord,
  deleteClusterSnapshot,
  exactCount,
  recoverShard,
  takeClusterSnapshot,
} from "./cluster-snapshots.js";
import type { Topology } from "./topology.js";

/** What a server-side clone did: cloned, or why it could not (the caller streams instead). */
export type CloneOutcome = { cloned: true; points: number } | { cloned: false; reason: string };

export interface CloneHooks {
  /** The snapshot files were taken: record them (the created-objects ledger) before anything else. */
  taken(record: ClusterSnapshotRecord): Promise<void>;
  /** The snapshot files were deleted: forget them. */
  deleted(record: ClusterSnapshotRecord): Promise<void>;
  log(message: string): void;
  /** The step's: no recovery starts after it aborts. */
  signal: AbortSignal;
}

/**
 * Fills `to` (created empty by the caller with `from`'s vectors and shard
 * count, so a rollback drops it) with `from`'s points on the server itself:
 * a snapshot of each shard of `from`, recovered into the same shard of `to`
 * by URL. No point passes through this process. The snapshot files are
 * deleted afterwards, also after a failure. On a cluster the shards of `to`
 * may be placed elsewhere than those of `from`, so it does not try, and says
 * why; neither when `to` is not empty.
 */
export async function cloneCollection(
  topology: Topology,
  from: string,
  to: string,
  hooks: CloneHooks,
): Promise<CloneOutcome> {
  if (topology.mode === "cluster") {
    return { cloned: false, reason: "the server is a cluster, whose shard placement may differ" };
  }
  const { conn } = topology;
  if ((await exactCount(conn, to)) !== 0) {
    return { cloned: false, reason: `${to} already holds points` };
  }
  const source = await conn.client.getCollection(from);
  const target = await conn.client.getCollection(to);
  const shards = (c: typeof source) => c.config.params.shard_number ?? 1;
  if (shards(source) !== shards(target)) {
    return { cloned: false, reason: `${from} and ${to} have different shard counts` };
  }
  hooks.signal.throwIfAborted();
  const record = await takeClusterSnapshot(topology, from);
  try {
    await hooks.taken(record);
    // One node: the peer holding `to` is the one the connection reaches.
    const peer = { peerId: record.replicas[0]?.peerId ?? 0, conn };
    for (const replica of record.replicas) {
      hooks.signal.throwIfAborted();
      const location = `${conn.url}/collections/${encodeURIComponent(from)}/shards/${replica.shardId}/snapshots/${encodeURIComponent(replica.snapshot)}`;
      hooks.log(`recovering shard ${replica.shardId} of ${from} into ${to} on the server`);
      await recoverShard(
        peer,
        { ...record, collection: to },
        replica.shardId,
        location,
        replica,
        undefined,
      );
    }
    return { cloned: true, points: record.pointsCount };
  } finally {
    await deleteClusterSnapshot(topology, record);
    await hooks.deleted(record);
  }
}
