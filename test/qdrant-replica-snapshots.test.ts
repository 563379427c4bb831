import { beforeAll, describe, expect, it } from "vitest";
import { takeClusterSnapshot } from "../src/qdrant/cluster-snapshots.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { deleteReplicaSnapshot, listReplicaSnapshots } from "../src/qdrant/replica-snapshots.js";
import { readTopology, type Topology } from "../src/qdrant/topology.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const qdrant = useQdrant();
let conn: QdrantConnection;
let topology: Topology;

beforeAll(async () => {
  const connect = (url: string) =>
    connectQdrant({ url, apiKey: qdrant.apiKey, timeoutMs: 30_000, retries: 0 });
  conn = connect(qdrant.url);
  topology = await readTopology(conn, {}, connect);
});

/** A 2-shard collection snapshotted three times, a second apart (Qdrant names snapshots by the second). */
async function snapshottedThrice(name: string) {
  await conn.client.createCollection(name, {
    vectors: { size: 2, distance: "Dot" },
    shard_number: 2,
  });
  await conn.client.upsert(name, { wait: true, points: [{ id: 1, vector: [1, 0] }] });
  const records = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1100));
    records.push(await takeClusterSnapshot(topology, name));
  }
  return records;
}

describe("replica snapshots: listing and retention", () => {
  it("lists every shard snapshot on the peer holding it, oldest first per replica", async () => {
    const name = uniqueName("rsnap_list");
    const records = await snapshottedThrice(name);
    const listed = await listReplicaSnapshots(topology, name);
    for (const shardId of [0, 1]) {
      expect(listed.filter((f) => f.shardId === shardId).map((f) => f.name)).toEqual(
        records.map((r) => r.replicas.find((x) => x.shardId === shardId)?.snapshot),
      );
    }
  });

  it("deletes one replica's file on the peer holding it and nothing else; a file already gone is fine", async () => {
    const name = uniqueName("rsnap_delete");
    const [oldest, middle, newest] = await snapshottedThrice(name);
    const doomed = (await listReplicaSnapshots(topology, name)).find(
      (f) => f.shardId === 0 && f.name === middle?.replicas.find((r) => r.shardId === 0)?.snapshot,
    );
    if (!doomed) throw new Error("the middle snapshot of shard 0 is not listed");
    await deleteReplicaSnapshot(topology, doomed);
    await deleteReplicaSnapshot(topology, doomed);
    const left = (await listReplicaSnapshots(topology, name)).map((f) => f.name).sort();
    const all = [oldest, middle, newest].flatMap((r) => r?.replicas.map((x) => x.snapshot) ?? []);
    expect(left).toEqual(all.filter((n) => n !== doomed.name).sort());
  });

  it("lists nothing for a collection that does not exist", async () => {
    expect(await listReplicaSnapshots(topology, uniqueName("rsnap_absent"))).toEqual([]);
  });
});
