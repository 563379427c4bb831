import { describe, expect, it } from "vitest";
import { expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();

interface CollectionCluster {
  peer_id: number;
  shard_count: number;
  local_shards: { shard_id: number; points_count: number; state: string }[];
  remote_shards: unknown[];
  shard_transfers: unknown[];
}

async function collectionWith(points: number, extra: Record<string, unknown> = {}) {
  const name = uniqueName("cluster");
  const created = await rest(qdrant, "PUT", `/collections/${name}`, {
    vectors: { size: 1, distance: "Dot" },
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  if (points > 0) {
    const upserted = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: Array.from({ length: points }, (_, i) => ({ id: i + 1, vector: [1] })),
    });
    expect(upserted.status, JSON.stringify(upserted.body)).toBe(200);
  }
  return name;
}

async function clusterOf(name: string): Promise<CollectionCluster> {
  const reply = await rest(qdrant, "GET", `/collections/${name}/cluster`);
  expectValidResponse("get", "/collections/{collection_name}/cluster", reply.status, reply.body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body as { result: CollectionCluster }).result;
}

describe("Qdrant server: cluster info of a single node", () => {
  it("reports distributed mode as disabled", async () => {
    const reply = await rest(qdrant, "GET", "/cluster");
    expectValidResponse("get", "/cluster", reply.status, reply.body);
    expect((reply.body as { result: unknown }).result).toEqual({ status: "disabled" });
  });

  it("reports one local Active shard holding every point, nothing remote", async () => {
    const cluster = await clusterOf(await collectionWith(3));
    expect(cluster).toEqual({
      peer_id: expect.any(Number),
      shard_count: 1,
      local_shards: [{ shard_id: 0, points_count: 3, state: "Active" }],
      remote_shards: [],
      shard_transfers: [],
    });
  });

  it("names the same peer id that snapshot names carry", async () => {
    const name = await collectionWith(0);
    const made = await rest(qdrant, "POST", `/collections/${name}/snapshots?wait=true`);
    const snapshot = (made.body as { result: { name: string } }).result.name;
    const { peer_id } = await clusterOf(name);
    expect(Number.isSafeInteger(peer_id) && peer_id > 0).toBe(true);
    expect(snapshot.startsWith(`${name}-${peer_id}-`)).toBe(true);
    await rest(qdrant, "DELETE", `/collections/${name}/snapshots/${snapshot}`);
  });

  it("lists one local shard per shard_number, the points spread over them", async () => {
    const cluster = await clusterOf(await collectionWith(5, { shard_number: 3 }));
    expect(cluster.shard_count).toBe(3);
    expect(cluster.local_shards.map((s) => [s.shard_id, s.state])).toEqual([
      [0, "Active"],
      [1, "Active"],
      [2, "Active"],
    ]);
    expect(cluster.local_shards.reduce((sum, s) => sum + s.points_count, 0)).toBe(5);
  });

  it("has no shards for custom sharding until shard keys are made (which need distributed mode)", async () => {
    const cluster = await clusterOf(await collectionWith(0, { sharding_method: "custom" }));
    expect(cluster.shard_count).toBe(0);
    expect(cluster.local_shards).toEqual([]);
  });

  it("resolves an alias to its collection", async () => {
    const name = await collectionWith(2);
    const alias = uniqueName("cluster_alias");
    await rest(qdrant, "POST", "/collections/aliases", {
      actions: [{ create_alias: { collection_name: name, alias_name: alias } }],
    });
    expect((await clusterOf(alias)).local_shards[0]?.points_count).toBe(2);
  });

  it("answers 404 with Qdrant's text for an unknown collection", async () => {
    const name = uniqueName("cluster_missing");
    const reply = await rest(qdrant, "GET", `/collections/${name}/cluster`);
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe(`Not found: Collection \`${name}\` doesn't exist!`);
  });

  it("is what the official client's collectionClusterInfo reads", async () => {
    const name = await collectionWith(1);
    const info = await qdrant.client.collectionClusterInfo(name);
    expect(info.local_shards).toEqual([{ shard_id: 0, points_count: 1, state: "Active" }]);
  });
});
