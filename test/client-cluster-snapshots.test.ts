import type { QdrantClient } from "@qdrant/js-client-rest";
import { type RunningQdrantBinary, startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ClusterNotReadyError,
  PeerMismatchError,
  PeerNotConfiguredError,
  ShardRestoreError,
} from "../src/qdrant/cluster-errors.js";
import {
  type ClusterSnapshotRecord,
  restoreClusterSnapshot,
  takeClusterSnapshot,
} from "../src/qdrant/cluster-snapshots.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { type PeerUrls, readTopology, type Topology } from "../src/qdrant/topology.js";
import { IN_PLACE_VECTORS, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

const inPlace = await needsQdrant(IN_PLACE_VECTORS);

const POINTS = 300;

const connect = (url: string, apiKey?: string): QdrantConnection =>
  connectQdrant({ url, apiKey, timeoutMs: 30_000, retries: 0 });

/** 300 points with two named vectors and a payload, spread over 3 shards, `k` indexed. */
async function seed(client: QdrantClient, name: string): Promise<void> {
  await client.createCollection(name, {
    vectors: { v: { size: 4, distance: "Dot" }, w: { size: 2, distance: "Dot" } },
    shard_number: 3,
    replication_factor: 2,
  });
  await client.upsert(name, {
    wait: true,
    points: Array.from({ length: POINTS }, (_, i) => ({
      id: i + 1,
      vector: { v: [1, 2, 3, i], w: [i, 1] },
      payload: { k: `k${i % 7}`, n: i },
    })),
  });
  await client.createPayloadIndex(name, { field_name: "k", field_schema: "keyword", wait: true });
}

/** Deletes half the points, removes vector `w`, drops the index on `k`. */
async function destroy(client: QdrantClient, name: string): Promise<void> {
  const odd = Array.from({ length: POINTS / 2 }, (_, i) => i * 2 + 1);
  await client.delete(name, { wait: true, points: odd });
  await client.deleteVectorName(name, "w", { wait: true });
  await client.deletePayloadIndex(name, "k", { wait: true });
}

/** Every point as read through `client`, from every replica when `all` (values present on all of them). */
async function contents(client: QdrantClient, name: string, all = false) {
  const { points } = await client.scroll(name, {
    limit: POINTS + 10,
    with_payload: true,
    with_vector: true,
    ...(all ? { consistency: "all" as const } : {}),
  });
  return points
    .map((p) => ({ id: p.id, vector: p.vector, payload: p.payload }))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

function expectedContents() {
  return Array.from({ length: POINTS }, (_, i) => ({
    id: i + 1,
    vector: { v: [1, 2, 3, i], w: [i, 1] },
    payload: { k: `k${i % 7}`, n: i },
  }));
}

async function schemaOf(client: QdrantClient, name: string) {
  const info = await client.getCollection(name);
  return {
    vectors: Object.keys(info.config.params.vectors ?? {}).sort(),
    indexes: Object.keys(info.payload_schema ?? {}),
  };
}

describe("cluster snapshots on a single node", () => {
  const qdrant = useQdrant();
  let conn: QdrantConnection;
  let topology: Topology;
  beforeAll(async () => {
    conn = connect(qdrant.url, qdrant.apiKey);
    topology = await readTopology(conn, {}, (url) => connect(url, qdrant.apiKey));
  });

  it("reads distributed mode disabled as a single node, needing no peer URLs", () => {
    expect(topology.mode).toBe("single");
  });

  it("records one snapshot per shard whose counts add up to the collection's", async () => {
    const name = uniqueName("csnap_record");
    await seed(qdrant.client, name);
    const record = await takeClusterSnapshot(topology, name);
    expect(record.replicas.map((r) => r.shardId).sort()).toEqual([0, 1, 2]);
    expect(new Set(record.replicas.map((r) => r.peerId)).size).toBe(1);
    expect(record.replicas.reduce((sum, r) => sum + r.pointsCount, 0)).toBe(POINTS);
    expect(record.pointsCount).toBe(POINTS);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it.skipIf(inPlace.skip)(
    `puts back deleted points, a removed named vector and a dropped payload index${inPlace.reason}`,
    async () => {
      const name = uniqueName("csnap_restore");
      await seed(qdrant.client, name);
      const record = await takeClusterSnapshot(topology, name);
      await destroy(qdrant.client, name);
      await restoreClusterSnapshot(topology, record);
      expect(await contents(qdrant.client, name)).toEqual(expectedContents());
      expect(await schemaOf(qdrant.client, name)).toEqual({ vectors: ["v", "w"], indexes: ["k"] });
    },
  );

  it("recreates a dropped collection from the recorded parameters and its shard snapshots", async () => {
    const name = uniqueName("csnap_dropped");
    await seed(qdrant.client, name);
    const record = await takeClusterSnapshot(topology, name);
    await qdrant.client.deleteCollection(name);
    await restoreClusterSnapshot(topology, record);
    expect(await contents(qdrant.client, name)).toEqual(expectedContents());
    expect((await qdrant.client.getCollection(name)).config.params.shard_number).toBe(3);
  });

  it("names the peer and shard whose snapshot the server cannot find", async () => {
    const name = uniqueName("csnap_missing");
    await seed(qdrant.client, name);
    const record = await takeClusterSnapshot(topology, name);
    const broken: ClusterSnapshotRecord = {
      ...record,
      replicas: record.replicas.map((r) =>
        r.shardId === 1 ? { ...r, snapshot: "gone.snapshot", checksum: null } : r,
      ),
    };
    const peer = record.replicas[0]?.peerId;
    const error = await restoreClusterSnapshot(topology, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardRestoreError);
    expect((error as ShardRestoreError).message).toContain(
      `Cannot restore shard 1 of collection "${name}" on peer ${peer}`,
    );
  });
});

const binary = process.env.QDRANT_BIN;

describe.skipIf(!binary)(
  "cluster snapshots on a 3-peer cluster (real binary only: needs QDRANT_BIN for startQdrantBinary)",
  () => {
    let cluster: RunningQdrantBinary;
    let peerUrls: Record<string, string>;
    let peerIds: number[];
    const clients = new Map<string, QdrantClient>();
    const clientOf = (url: string) => {
      const existing = clients.get(url);
      if (existing) return existing;
      const created = connect(url).client;
      clients.set(url, created);
      return created;
    };
    const topologyWith = (urls: PeerUrls) =>
      readTopology(connect(cluster.url), urls, (url) => connect(url));

    beforeAll(async () => {
      cluster = await startQdrantBinary({ peers: 3 });
      peerUrls = {};
      peerIds = [];
      for (const peer of cluster.peers) {
        const info = (await (await fetch(`${peer.url}/cluster`)).json()) as {
          result: { peer_id: number };
        };
        peerUrls[String(info.result.peer_id)] = peer.url;
        peerIds.push(info.result.peer_id);
      }
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    it("snapshots every replica on its own peer: 3 shards × 2 replicas over 3 peers", async () => {
      const name = uniqueName("csnap_cluster_record");
      await seed(clientOf(cluster.url), name);
      const record = await takeClusterSnapshot(await topologyWith(peerUrls), name);
      expect(record.replicas).toHaveLength(6);
      expect(new Set(record.replicas.map((r) => r.peerId))).toEqual(new Set(peerIds));
      const oneReplicaPerShard = new Map(record.replicas.map((r) => [r.shardId, r.pointsCount]));
      expect([...oneReplicaPerShard.values()].reduce((a, b) => a + b, 0)).toBe(POINTS);
      expect(record.pointsCount).toBe(POINTS);
    });

    it.skipIf(inPlace.skip)(
      `rolls back deleted points, a removed vector and a dropped index on every replica${inPlace.reason}`,
      async () => {
        const name = uniqueName("csnap_cluster_restore");
        const client = clientOf(cluster.url);
        await seed(client, name);
        const topology = await topologyWith(peerUrls);
        const record = await takeClusterSnapshot(topology, name);
        await destroy(client, name);
        expect((await client.count(name, { exact: true })).count).toBe(POINTS / 2);

        await restoreClusterSnapshot(topology, record);

        for (const peer of cluster.peers) {
          const own = clientOf(peer.url);
          const info = await own.collectionClusterInfo(name);
          const recorded = record.replicas.filter((r) => r.peerId === info.peer_id);
          expect(
            info.local_shards.map((s) => [s.shard_id, s.points_count, s.state]),
            `local shards of peer ${info.peer_id}`,
          ).toEqual(recorded.map((r) => [r.shardId, r.pointsCount, "Active"]));
          // consistency "all" returns only what every replica holds.
          expect(
            await contents(own, name, true),
            `points read from every replica via ${peer.url}`,
          ).toEqual(expectedContents());
          expect(await schemaOf(own, name)).toEqual({ vectors: ["v", "w"], indexes: ["k"] });
        }
      },
      60_000,
    );

    it("refuses before any change when qdrant.peers names no URL for a peer holding shards", async () => {
      const name = uniqueName("csnap_cluster_unmapped");
      await seed(clientOf(cluster.url), name);
      const [missing = 0, ...rest] = peerIds;
      const partial = Object.fromEntries(
        rest.map((id) => [String(id), peerUrls[String(id)] ?? ""]),
      );
      const error = await takeClusterSnapshot(await topologyWith(partial), name).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PeerNotConfiguredError);
      expect((error as Error).message).toContain(`Peer ${missing} (p2p http://127.0.0.1:`);
      expect((error as Error).message).toContain(`of collection "${name}"`);
      for (const peer of cluster.peers) {
        for (const shard of [0, 1, 2]) {
          const listed = await fetch(`${peer.url}/collections/${name}/shards/${shard}/snapshots`);
          const body = (await listed.json()) as { result?: unknown[] };
          expect(body.result ?? []).toEqual([]);
        }
      }
    });

    it("refuses a peer URL that reaches another peer, naming both", async () => {
      const name = uniqueName("csnap_cluster_mismatch");
      await seed(clientOf(cluster.url), name);
      const [a = 0, b = 0, c = 0] = peerIds;
      const swapped = {
        [String(a)]: peerUrls[String(b)] ?? "",
        [String(b)]: peerUrls[String(a)] ?? "",
        [String(c)]: peerUrls[String(c)] ?? "",
      };
      const error = await takeClusterSnapshot(await topologyWith(swapped), name).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PeerMismatchError);
      expect((error as Error).message).toMatch(
        new RegExp(`maps peer (${a}|${b}) to .* but that server is peer (${a}|${b})`),
      );
    });

    it("refuses before any change when a peer holding shards is down, naming the peer and its shards", async () => {
      const name = uniqueName("csnap_cluster_down");
      const client = clientOf(cluster.url);
      await seed(client, name);
      const topology = await topologyWith(peerUrls);
      const down = cluster.peers[2];
      if (!down) throw new Error("expected three peers");
      const downId = peerIds[2];
      const held = (await clientOf(down.url).collectionClusterInfo(name)).local_shards
        .map((s) => s.shard_id)
        .sort();
      await down.kill();
      try {
        const error = await takeClusterSnapshot(topology, name).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ClusterNotReadyError);
        expect((error as Error).message).toContain(
          `Collection "${name}": shards ${held.join(", ")} on peer ${downId} cannot be reached at ${down.url}`,
        );
        expect((error as Error).message).toContain("nothing was changed");
        expect((await client.count(name, { exact: true })).count).toBe(POINTS);
      } finally {
        await down.restart();
      }
    }, 60_000);
  },
);
