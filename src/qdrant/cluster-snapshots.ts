import type { Schemas } from "@qdrant/js-client-rest";
import { createBody } from "../collection-schema/create-body.js";
import { payloadSchemaOf, type RecordedPayloadIndex } from "../collection-schema/payload-index.js";
import {
  ShardRestoreError,
  ShardSnapshotFailedError,
  ShardSnapshotMissingError,
} from "./cluster-errors.js";
import type { QdrantConnection } from "./connect.js";
import { QdrantRequestError } from "./errors.js";
import { putBackRecordedSchema } from "./schema-state.js";
import {
  assertClusterReady,
  type Peer,
  peersOf,
  readPlacement,
  type Topology,
} from "./topology.js";

/** One shard replica's snapshot, on the peer that holds the replica and the file. */
export interface ReplicaSnapshot {
  peerId: number;
  shardId: number;
  /** The snapshot's name in the peer's `<snapshots>/<collection>/shards/<shardId>/` folder. */
  snapshot: string;
  checksum: string | null;
  /** Points in this replica when it was snapshotted (the peer's own count). */
  pointsCount: number;
}

/**
 * Everything needed to put a collection back on every replica, as plain JSON
 * for the journal: its creation parameters and payload indexes (collection
 * level, which shard snapshots do not carry), and one snapshot per replica.
 */
export interface ClusterSnapshotRecord {
  collection: string;
  /** Exact point count of the collection: the sum of one replica per shard. */
  pointsCount: number;
  params: Schemas["CollectionParams"];
  payloadSchema: Record<string, RecordedPayloadIndex>;
  replicas: ReplicaSnapshot[];
}

export interface ClusterRestoreOptions {
  log?: (message: string) => void;
  /** Time limit of each shard snapshot and recovery; at least 10 minutes by default. */
  transferTimeoutMs?: number;
}

const TRIES = 3;

/**
 * Snapshots every replica of every shard of `collection` on the peer that
 * holds it (shard snapshots, written to that peer's own disk), after checking
 * that every replica is reachable and Active. Peers work in parallel, each on
 * its shards one at a time. The exact total count is read before and after:
 * if it moved, or one replica per shard does not add up to it, something
 * wrote meanwhile and every snapshot is retaken (three tries).
 */
export async function takeClusterSnapshot(
  topology: Topology,
  collection: string,
  opts: {
    timeoutMs?: number;
    /** The error when the points kept changing (default: a `ShardSnapshotFailedError`). */
    busyError?: (reason: string) => Error;
  } = {},
): Promise<ClusterSnapshotRecord> {
  const [placement] = await assertClusterReady(topology, [collection]);
  if (!placement) {
    throw new QdrantRequestError(
      "QDRANT_REQUEST_FAILED",
      "createShardSnapshot",
      collection,
      404,
      undefined,
      `Cannot snapshot collection "${collection}": it does not exist.`,
    );
  }
  const peers = peersOf(topology, placement);
  const { conn } = topology;
  let reason = "";
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const before = await exactCount(conn, collection);
    const info = await conn.client.getCollection(collection);
    const replicas = (
      await Promise.all(peers.map((peer) => snapshotPeer(peer, collection, opts.timeoutMs)))
    ).flat();
    const after = await exactCount(conn, collection);
    const perShard = new Map(replicas.map((r) => [r.shardId, r.pointsCount]));
    const sum = [...perShard.values()].reduce((a, b) => a + b, 0);
    const replicasAgree = replicas.every((r) => perShard.get(r.shardId) === r.pointsCount);
    if (before === after && sum === after && replicasAgree) {
      return {
        collection,
        pointsCount: after,
        params: info.config.params,
        payloadSchema: payloadSchemaOf(info),
        replicas,
      };
    }
    reason = `the collection held ${before} points before and ${after} after, the shards ${sum}`;
    await deleteClusterSnapshot(topology, { collection, replicas });
  }
  if (opts.busyError) throw opts.busyError(reason);
  const first = placement.replicas[0];
  throw new ShardSnapshotFailedError(
    collection,
    first?.peerId ?? 0,
    first?.shardId ?? 0,
    `its points kept changing while it was snapshotted (${reason}); something else writes to it`,
  );
}

/**
 * Puts `record.collection` back as it was on every replica:
 *
 * 1. recreates the collection from the recorded parameters if it is gone;
 * 2. puts back its named vectors and payload indexes (collection-level
 *    config, which a shard recovery leaves as it is);
 * 3. recovers every replica on its own peer from that peer's own file, by
 *    name (the server reads it from its disk; nothing passes through this
 *    process), with priority `no_sync`: each replica is replaced by an exact
 *    copy, so no replica has to be synchronised from another. A replica on a
 *    peer that took no snapshot of its shard (placement changed) is recovered
 *    from a peer that did, by URL;
 * 4. proves it: every replica Active with its recorded count, and the exact
 *    total equal to the recorded one.
 *
 * Re-running it after a failure or a crash starts again from step 1.
 */
export async function restoreClusterSnapshot(
  topology: Topology,
  record: ClusterSnapshotRecord,
  opts: ClusterRestoreOptions = {},
): Promise<void> {
  const log = opts.log ?? (() => {});
  const { conn } = topology;
  const { collection } = record;
  if (!(await collectionExists(conn, collection))) {
    log(`collection ${collection} is gone; creating it from the recorded parameters`);
    await conn.client.createCollection(collection, createBody(record.params));
  }
  await putBackRecordedSchema(conn, record, log, (reason) =>
    restoreError(record, undefined, undefined, reason),
  );

  const placement = await readPlacement(topology, collection);
  if (!placement)
    throw restoreError(record, undefined, undefined, "the collection vanished during the restore");
  const peers = peersOf(topology, placement);
  const recorded = new Map(record.replicas.map((r) => [`${r.peerId}/${r.shardId}`, r]));
  const holderOf = (shardId: number) => record.replicas.find((r) => r.shardId === shardId);
  const urlOf = new Map(peers.map((p) => [p.peerId, p.conn.url]));

  await Promise.all(
    peers.map(async (peer) => {
      const shards = placement.replicas.filter((r) => r.peerId === peer.peerId);
      for (const { shardId } of shards) {
        const own = recorded.get(`${peer.peerId}/${shardId}`);
        const source = own ?? holderOf(shardId);
        if (!source) {
          throw restoreError(record, peer.peerId, shardId, "no snapshot of this shard was taken");
        }
        const holderUrl = urlOf.get(source.peerId);
        if (!own && !holderUrl) {
          throw restoreError(
            record,
            peer.peerId,
            shardId,
            `its snapshot is on peer ${source.peerId}, which no longer holds the collection`,
          );
        }
        const location = own
          ? own.snapshot
          : `${holderUrl}/collections/${encodeURIComponent(collection)}/shards/${shardId}/snapshots/${encodeURIComponent(source.snapshot)}`;
        log(`recovering shard ${shardId} of ${collection} on peer ${peer.peerId}`);
        await recoverShard(peer, record, shardId, location, source, opts.transferTimeoutMs);
      }
    }),
  );
  await proveRestore(peers, record);
  log(`restored collection ${collection} on ${peers.length} peer(s)`);
}

/** Deletes the snapshot files of a record on every peer that still has them. */
export async function deleteClusterSnapshot(
  topology: Topology,
  record: Pick<ClusterSnapshotRecord, "collection" | "replicas">,
): Promise<void> {
  const placement = await readPlacement(topology, record.collection);
  if (!placement) return;
  for (const peer of peersOf(topology, placement)) {
    for (const r of record.replicas.filter((x) => x.peerId === peer.peerId)) {
      try {
        await peer.conn.client.deleteShardSnapshot(record.collection, r.shardId, r.snapshot, {
          wait: true,
        });
      } catch (error) {
        if (!(error instanceof QdrantRequestError && error.status === 404)) throw error;
      }
    }
  }
}

async function snapshotPeer(
  peer: Peer,
  collection: string,
  timeoutMs: number | undefined,
): Promise<ReplicaSnapshot[]> {
  const local = (await peer.conn.client.collectionClusterInfo(collection)).local_shards;
  const taken: ReplicaSnapshot[] = [];
  for (const shard of local) {
    const path = `/collections/${encodeURIComponent(collection)}/shards/${shard.shard_id}/snapshots?wait=true`;
    // Through fetchRaw for its longer time limit: a large shard takes longer than an ordinary call.
    const res = await peer.conn.fetchRaw(path, {
      method: "POST",
      timeoutMs: timeoutMs ?? transferTimeout(peer.conn),
    });
    const body = (await res.json().catch(() => ({}))) as {
      result?: Schemas["SnapshotDescription"];
      status?: { error?: string };
    };
    if (res.status !== 200 || !body.result?.name) {
      const why = body.status?.error ?? `HTTP ${res.status}`;
      throw new ShardSnapshotFailedError(collection, peer.peerId, shard.shard_id, why);
    }
    const after = (await peer.conn.client.collectionClusterInfo(collection)).local_shards.find(
      (s) => s.shard_id === shard.shard_id,
    );
    taken.push({
      peerId: peer.peerId,
      shardId: shard.shard_id,
      snapshot: body.result.name,
      checksum: body.result.checksum ?? null,
      // The count after the snapshot; a write in between shows up in the totals check.
      pointsCount: after?.points_count ?? shard.points_count,
    });
  }
  return taken;
}

export async function recoverShard(
  peer: Peer,
  record: ClusterSnapshotRecord,
  shardId: number,
  location: string,
  source: ReplicaSnapshot,
  timeoutMs: number | undefined,
): Promise<void> {
  const body: Schemas["ShardSnapshotRecover"] = { location, priority: "no_sync" };
  if (source.checksum) body.checksum = source.checksum;
  // A peer fetching another's file by URL needs the key the cluster requires.
  if (location.includes("://") && peer.conn.apiKey) body.api_key = peer.conn.apiKey;
  const res = await peer.conn.fetchRaw(
    `/collections/${encodeURIComponent(record.collection)}/shards/${shardId}/snapshots/recover?wait=true`,
    {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      timeoutMs: timeoutMs ?? transferTimeout(peer.conn),
    },
  );
  if (res.ok) {
    await res.body?.cancel();
    return;
  }
  // A bare name is a file on this peer's own disk: 404 means it is gone, which no retry mends.
  if (res.status === 404 && location === source.snapshot) {
    await res.body?.cancel();
    throw new ShardSnapshotMissingError(record.collection, peer.peerId, shardId, location);
  }
  const text = await res.text().catch(() => "");
  const why = (parse(text) as { status?: { error?: string } })?.status?.error ?? text.slice(0, 300);
  throw restoreError(record, peer.peerId, shardId, `Qdrant refused the recovery (${why})`);
}

async function proveRestore(peers: readonly Peer[], record: ClusterSnapshotRecord): Promise<void> {
  const expected = new Map(record.replicas.map((r) => [r.shardId, r.pointsCount]));
  for (const peer of peers) {
    const info = await peer.conn.client.collectionClusterInfo(record.collection);
    for (const shard of info.local_shards) {
      if (shard.state !== "Active") {
        throw restoreError(
          record,
          peer.peerId,
          shard.shard_id,
          `it is ${shard.state} after recovery`,
        );
      }
      const want = expected.get(shard.shard_id);
      if (shard.points_count !== want) {
        throw restoreError(
          record,
          peer.peerId,
          shard.shard_id,
          `it holds ${shard.points_count} points after recovery, not the ${want ?? 0} recorded`,
        );
      }
    }
  }
  const [first] = peers;
  const total = first ? await exactCount(first.conn, record.collection) : 0;
  if (total !== record.pointsCount) {
    throw restoreError(
      record,
      undefined,
      undefined,
      `the collection holds ${total} points after recovery, not the ${record.pointsCount} recorded`,
    );
  }
}

function restoreError(
  record: ClusterSnapshotRecord,
  peerId: number | undefined,
  shardId: number | undefined,
  reason: string,
): ShardRestoreError {
  return new ShardRestoreError(record.collection, peerId, shardId, reason);
}

/** Whether a collection of that name exists (an alias of that name does not count). */
export async function collectionExists(conn: QdrantConnection, name: string): Promise<boolean> {
  // Not `collectionExists`: it answers true for an alias of that name.
  const { collections } = await conn.client.getCollections();
  return collections.some((c) => c.name === name);
}

export async function exactCount(conn: QdrantConnection, collection: string): Promise<number> {
  return (await conn.client.count(collection, { exact: true })).count;
}

/** Shard snapshots and recoveries get at least 10 minutes: their size sets their time. */
function transferTimeout(conn: QdrantConnection): number {
  return Math.max(conn.timeoutMs, 600_000);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
