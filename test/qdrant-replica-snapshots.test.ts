import { beforeAll, describe, expect, it } from "vitest";
import { takeClusterSnapshot } from "../src/qdrant/cluster-snapshots.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { listReplicaSnapshots, pruneReplicaSnapshots } from "../src/qdrant/replica-snapshots.js";
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

  it("keeps the newest `keep` per replica and spares a protected older one", async () => {
    const name = uniqueName("rsnap_prune");
    const [oldest, middle, newest] = await snapshottedThrice(name);
    const protectedNames = oldest?.replicas.map((r) => r.snapshot) ?? [];
    const { deleted, spared } = await pruneReplicaSnapshots(topology, name, 1, protectedNames);
    expect(deleted.map((d) => d.name).sort()).toEqual(
      middle?.replicas.map((r) => r.snapshot).sort(),
    );
    expect(spared.map((s) => s.name).sort()).toEqual([...protectedNames].sort());
    const left = (await listReplicaSnapshots(topology, name)).map((f) => f.name).sort();
    expect(left).toEqual(
      [...protectedNames, ...(newest?.replicas.map((r) => r.snapshot) ?? [])].sort(),
    );
  });

  it("lists nothing for a collection that does not exist", async () => {
    expect(await listReplicaSnapshots(topology, uniqueName("rsnap_absent"))).toEqual([]);
  });
});
