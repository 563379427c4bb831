import { QdrantMigrateError } from "../errors.js";

/** Shard ids as a message lists them: "shard 2", "shards 0, 2". */
export function shardList(shards: readonly number[]): string {
  const sorted = [...shards].sort((a, b) => a - b);
  return `${sorted.length === 1 ? "shard" : "shards"} ${sorted.join(", ")}`;
}

/**
 * The cluster cannot be covered by a rollback, found before a collection's
 * first change: the engine refuses the migration (undoing anything it did
 * earlier) and reports this error itself, not as a failed migration.
 */
export abstract class ClusterRefusalError extends QdrantMigrateError {}

/**
 * A peer holds shards of a collection about to change, but `qdrant.peers`
 * names no REST URL for it. Nothing was changed.
 */
export class PeerNotConfiguredError extends ClusterRefusalError {
  constructor(
    readonly collection: string,
    readonly peerId: number,
    readonly peerUri: string | undefined,
    readonly shards: readonly number[],
  ) {
    super(
      "QDRANT_PEER_NOT_CONFIGURED",
      `Peer ${peerId}${peerUri ? ` (p2p ${peerUri})` : ""} holds ${shardList(shards)} of collection "${collection}", ` +
        `but qdrant.peers names no REST URL for it, so its shards could not be snapshotted or restored. ` +
        `Add "${peerId}": "<its REST URL>" to qdrant.peers${peerUri ? ` (or key it by "${peerUri}")` : ""}. Nothing was changed.`,
    );
  }
}

/** The REST URL configured for a peer answers as another peer. Nothing was changed. */
export class PeerMismatchError extends ClusterRefusalError {
  constructor(
    readonly peerId: number,
    readonly url: string,
    readonly answeredAs: number,
  ) {
    super(
      "QDRANT_PEER_MISMATCH",
      `qdrant.peers maps peer ${peerId} to ${url}, but that server is peer ${answeredAs}. ` +
        "Fix qdrant.peers: each key must name the peer its URL reaches. Nothing was changed.",
    );
  }
}

/**
 * A peer holding shards of a collection cannot be reached, or one of the
 * collection's replicas is not `Active` (or is being transferred): a rollback
 * could not cover every replica, so the run refuses before changing anything.
 */
export class ClusterNotReadyError extends ClusterRefusalError {
  constructor(
    readonly collection: string,
    readonly peerId: number,
    readonly shards: readonly number[],
    readonly reason: string,
  ) {
    super(
      "QDRANT_CLUSTER_NOT_READY",
      `Collection "${collection}": ${shardList(shards)} on peer ${peerId} ${reason}. ` +
        "Every replica must be reachable and Active before a change, so that it can be " +
        "snapshotted and rolled back; nothing was changed. Bring the peer back (or wait for " +
        "its replicas to become Active) and run again.",
    );
  }
}

/** A shard snapshot could not be taken on a peer; the change was not sent. */
export class ShardSnapshotFailedError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly peerId: number,
    readonly shardId: number,
    reason: string,
  ) {
    super(
      "SNAPSHOT_FAILED",
      `Cannot snapshot shard ${shardId} of collection "${collection}" on peer ${peerId} (${reason}), ` +
        "so the change was not sent. Check that peer's free disk space and that it can write " +
        "its snapshots directory (storage.snapshots_path).",
    );
  }
}

/**
 * A collection could not be restored from its shard snapshots, or its restore
 * could not be proven; `peerId`/`shardId` name the replica when one is at fault.
 * Replicas restored before it stay restored; re-running the restore is safe.
 */
export class ShardRestoreError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly peerId: number | undefined,
    readonly shardId: number | undefined,
    reason: string,
    outcome = "Re-running the rollback recovers every replica again from the same snapshots.",
  ) {
    const what =
      peerId === undefined || shardId === undefined
        ? `collection "${collection}"`
        : `shard ${shardId} of collection "${collection}" on peer ${peerId}`;
    super(
      "SNAPSHOT_RESTORE_FAILED",
      `Cannot restore ${what} from its shard snapshots: ${reason}. ${outcome}`,
    );
  }
}

/**
 * A replica's shard snapshot is gone from the peer that took it: no retry
 * mends that, so what to do instead depends on who was restoring (see
 * MigrationFailedError, RollbackFailedError). Who deleted it is not known, so
 * the message does not guess.
 */
export class ShardSnapshotMissingError extends ShardRestoreError {
  constructor(
    collection: string,
    peerId: number,
    shardId: number,
    readonly snapshot: string,
  ) {
    super(
      collection,
      peerId,
      shardId,
      `its snapshot "${snapshot}" is no longer on that peer: it was deleted after it was taken ` +
        "(this project's `snapshots prune` never deletes one a run in flight needs, and one an " +
        "applied migration needs only with --force; so by hand, by another tool, or by Qdrant)",
      "Nothing can be restored from that snapshot any more.",
    );
  }
}
