import type { Schemas } from "@qdrant/js-client-rest";
import { messageOf } from "../errors.js";
import { redactUrl } from "../util/redact.js";
import {
  ClusterNotReadyError,
  PeerMismatchError,
  PeerNotConfiguredError,
} from "./cluster-errors.js";
import type { QdrantConnection } from "./connect.js";
import { QdrantRequestError } from "./errors.js";

/**
 * How to reach each peer's REST API (config `qdrant.peers`): keys are peer ids
 * (`"8122216558877355"`) or p2p URIs (`"http://qdrant-1:6335"`), values REST URLs.
 */
export type PeerUrls = Readonly<Record<string, string>>;

/** One peer and the connection to its own REST API. */
export interface Peer {
  peerId: number;
  /** The connection; every call through it is answered by this peer. */
  conn: QdrantConnection;
}

/**
 * Single node (distributed mode disabled): every shard lives on the one node
 * the connection reaches. Cluster: the peers `GET /cluster` lists, each with
 * its p2p URI and, when `qdrant.peers` names one, its REST URL.
 */
export type Topology =
  | { mode: "single"; conn: QdrantConnection }
  | {
      mode: "cluster";
      /** The configured `qdrant.url`: cluster-wide reads go through it. */
      conn: QdrantConnection;
      peers: ReadonlyMap<number, { uri: string; url: string | undefined }>;
      connect: (url: string) => QdrantConnection;
    };

/** One replica of one shard: on which peer, in which state, with how many points. */
export interface Replica {
  shardId: number;
  peerId: number;
  state: Schemas["ReplicaState"];
}

/** Where a collection's shards and their replicas live. */
export interface Placement {
  collection: string;
  shardCount: number;
  replicas: Replica[];
  /** Shard transfers under way: a replica being copied is not yet a full copy. */
  transfers: number;
}

/**
 * Reads `GET /cluster` through the official client. `connect` opens a
 * connection to another peer's REST URL (same API key and timeouts).
 */
export async function readTopology(
  conn: QdrantConnection,
  peerUrls: PeerUrls,
  connect: (url: string) => QdrantConnection,
): Promise<Topology> {
  // Through fetchRaw: its transport failures are typed by cause (unreachable,
  // timeout, auth, TLS), which the client's raw api() calls are not.
  const res = await conn.fetchRaw("/cluster");
  const body = (await res.json().catch(() => undefined)) as
    | { result?: Schemas["ClusterStatus"]; status?: unknown }
    | undefined;
  if (!res.ok) {
    throw new QdrantRequestError(
      res.status === 401 || res.status === 403 ? "QDRANT_AUTH_FAILED" : "QDRANT_REQUEST_FAILED",
      "clusterStatus",
      undefined,
      res.status,
      undefined,
      `Cannot read the cluster status (GET /cluster) from ${redactUrl(conn.url)}: HTTP ${res.status} ${JSON.stringify(body?.status ?? "")}`,
    );
  }
  const status = body?.result;
  if (!status || status.status === "disabled") return { mode: "single", conn };
  const byKey = new Map(Object.entries(peerUrls).map(([k, v]) => [normaliseUri(k), v]));
  const peers = new Map<number, { uri: string; url: string | undefined }>();
  for (const [id, info] of Object.entries(status.peers)) {
    const uri = info?.uri ?? "";
    peers.set(Number(id), { uri, url: byKey.get(id) ?? byKey.get(normaliseUri(uri)) });
  }
  return { mode: "cluster", conn, peers, connect };
}

/**
 * The placement of a collection as the first peer (or the single node) sees
 * it: its own replicas from `local_shards`, the others from `remote_shards`.
 * Undefined when the collection does not exist.
 */
export async function readPlacement(
  topology: Topology,
  collection: string,
): Promise<Placement | undefined> {
  const { conn } = topology;
  let info: Schemas["CollectionClusterInfo"];
  try {
    info = await conn.client.collectionClusterInfo(collection);
  } catch (error) {
    if (error instanceof QdrantRequestError && error.status === 404) return undefined;
    throw error;
  }
  return placementOf(collection, info);
}

/**
 * Every peer that holds a replica of `placement`, connected through its
 * configured REST URL; throws `PeerNotConfiguredError` for one without.
 */
export function peersOf(topology: Topology, placement: Placement): Peer[] {
  if (topology.mode === "single") {
    const peerId = placement.replicas[0]?.peerId ?? 0;
    return [{ peerId, conn: topology.conn }];
  }
  const shardsByPeer = groupShards(placement.replicas);
  const result: Peer[] = [];
  for (const [peerId, shards] of shardsByPeer) {
    const peer = topology.peers.get(peerId);
    if (!peer?.url) {
      throw new PeerNotConfiguredError(placement.collection, peerId, peer?.uri, shards);
    }
    result.push({ peerId, conn: topology.connect(peer.url) });
  }
  return result;
}

/**
 * Refuses, before anything changes, unless every replica of every existing
 * collection in `collections` is `Active`, no shard is being transferred, and
 * every peer holding one answers through its configured URL as that peer.
 * Returns the placements (absent collections are left out).
 */
export async function assertClusterReady(
  topology: Topology,
  collections: readonly string[],
): Promise<Placement[]> {
  const placements: Placement[] = [];
  for (const collection of collections) {
    const placement = await readPlacement(topology, collection);
    if (!placement) continue;
    const byPeer = groupShards(placement.replicas);
    for (const peer of peersOf(topology, placement)) {
      const shards = byPeer.get(peer.peerId) ?? [];
      let own: Schemas["CollectionClusterInfo"];
      try {
        own = await peer.conn.client.collectionClusterInfo(collection);
      } catch (error) {
        const url = redactUrl(peer.conn.url);
        throw new ClusterNotReadyError(
          collection,
          peer.peerId,
          shards,
          `cannot be reached at ${url} (${messageOf(error)})`,
        );
      }
      if (topology.mode === "cluster" && own.peer_id !== peer.peerId) {
        throw new PeerMismatchError(peer.peerId, redactUrl(peer.conn.url), own.peer_id);
      }
      // The peer's own view of its replicas is the authoritative one.
      for (const local of own.local_shards) {
        if (local.state !== "Active") {
          throw new ClusterNotReadyError(
            collection,
            peer.peerId,
            [local.shard_id],
            `is ${local.state}, not Active`,
          );
        }
      }
    }
    for (const replica of placement.replicas) {
      if (replica.state !== "Active") {
        throw new ClusterNotReadyError(
          collection,
          replica.peerId,
          [replica.shardId],
          `is ${replica.state}, not Active`,
        );
      }
    }
    if (placement.transfers > 0) {
      const [first] = placement.replicas;
      throw new ClusterNotReadyError(
        collection,
        first?.peerId ?? 0,
        [],
        `has ${placement.transfers} shard transfer(s) under way`,
      );
    }
    placements.push(placement);
  }
  return placements;
}

/** Replicas as one peer's `GET /collections/{c}/cluster` lists them. */
export function placementOf(collection: string, info: Schemas["CollectionClusterInfo"]): Placement {
  const replicas: Replica[] = [
    ...info.local_shards.map((s) => ({
      shardId: s.shard_id,
      peerId: info.peer_id,
      state: s.state,
    })),
    ...info.remote_shards.map((s) => ({ shardId: s.shard_id, peerId: s.peer_id, state: s.state })),
  ].sort((a, b) => a.shardId - b.shardId || a.peerId - b.peerId);
  return {
    collection,
    shardCount: info.shard_count,
    replicas,
    transfers: info.shard_transfers.length,
  };
}

function groupShards(replicas: readonly Replica[]): Map<number, number[]> {
  const byPeer = new Map<number, number[]>();
  for (const r of replicas) byPeer.set(r.peerId, [...(byPeer.get(r.peerId) ?? []), r.shardId]);
  return byPeer;
}

function normaliseUri(key: string): string {
  return key.replace(/\/+$/, "");
}
