import { describe, expect, it } from "vitest";
import { expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();

async function collectionWith(points: number): Promise<string> {
  const name = uniqueName("shard_snap");
  await qdrant.client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
  if (points === 0) return name;
  await qdrant.client.upsert(name, {
    wait: true,
    points: Array.from({ length: points }, (_, i) => ({ id: i + 1, vector: [i, 1] })),
  });
  return name;
}

async function shardSnapshot(name: string, shard = 0) {
  const reply = await rest(
    qdrant,
    "POST",
    `/collections/${name}/shards/${shard}/snapshots?wait=true`,
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body as { result: { name: string; checksum: string } }).result;
}

describe("Qdrant server: shard snapshots on a single node", () => {
  it("names a shard snapshot <collection>-shard-<id>-<time> and lists it under that shard", async () => {
    const name = await collectionWith(3);
    const made = await shardSnapshot(name);
    expect(made.name).toMatch(new RegExp(`^${name}-shard-0-\\d{4}(-\\d\\d){5}\\.snapshot$`));
    const listed = await rest(qdrant, "GET", `/collections/${name}/shards/0/snapshots`);
    expectValidResponse(
      "get",
      "/collections/{collection_name}/shards/{shard_id}/snapshots",
      listed.status,
      listed.body,
    );
    expect((listed.body as { result: { name: string }[] }).result.map((s) => s.name)).toEqual([
      made.name,
    ]);
  });

  it("recovers a shard from its own snapshot by bare name, with priority and checksum", async () => {
    const name = await collectionWith(4);
    const made = await shardSnapshot(name);
    await qdrant.client.delete(name, { wait: true, points: [1, 2, 3] });
    const reply = await rest(
      qdrant,
      "PUT",
      `/collections/${name}/shards/0/snapshots/recover?wait=true`,
      {
        location: made.name,
        priority: "no_sync",
        checksum: made.checksum,
      },
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect((await qdrant.client.count(name, { exact: true })).count).toBe(4);
  });

  it("serves a shard snapshot's file for download, which another collection recovers by URL", async () => {
    const name = await collectionWith(3);
    const made = await shardSnapshot(name);
    const file = `/collections/${name}/shards/0/snapshots/${made.name}`;
    const res = await fetch(`${qdrant.url}${file}`, {
      headers: qdrant.apiKey ? { "api-key": qdrant.apiKey } : {},
    });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const copy = await collectionWith(0);
    const reply = await rest(
      qdrant,
      "PUT",
      `/collections/${copy}/shards/0/snapshots/recover?wait=true`,
      {
        location: `${qdrant.url}${file}`,
        priority: "no_sync",
        checksum: made.checksum,
        ...(qdrant.apiKey ? { api_key: qdrant.apiKey } : {}),
      },
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect((await qdrant.client.count(copy, { exact: true })).count).toBe(3);
  });

  it("answers a download of an unknown shard snapshot with 404 and the OS error as plain text", async () => {
    const name = await collectionWith(0);
    const reply = await rest(
      qdrant,
      "GET",
      `/collections/${name}/shards/0/snapshots/nosuch.snapshot`,
    );
    expect(reply.status).toBe(404);
    expect(reply.body).toBe("File not found: No such file or directory (os error 2)");
  });

  it("answers 404 naming the shard for a shard the collection does not have", async () => {
    const name = await collectionWith(0);
    const reply = await rest(qdrant, "POST", `/collections/${name}/shards/5/snapshots?wait=true`);
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe("Not found: shard 5 not found");
  });

  it("answers 404 naming the file it looked for when the snapshot name is unknown", async () => {
    const name = await collectionWith(0);
    const reply = await rest(qdrant, "PUT", `/collections/${name}/shards/0/snapshots/recover`, {
      location: "nosuch.snapshot",
    });
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toMatch(
      new RegExp(`^Not found: Snapshot ".*/${name}/shards/0/nosuch\\.snapshot" not found$`),
    );
  });

  it("refuses a file:// location for a shard recovery", async () => {
    const name = await collectionWith(0);
    const reply = await rest(qdrant, "PUT", `/collections/${name}/shards/0/snapshots/recover`, {
      location: "file:///etc/passwd",
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(
      "Wrong input: Invalid snapshot URL file:///etc/passwd: URLs with file scheme are not supported",
    );
  });

  it("deletes a shard snapshot, then answers 404 for it", async () => {
    const name = await collectionWith(1);
    const made = await shardSnapshot(name);
    const path = `/collections/${name}/shards/0/snapshots/${made.name}`;
    expect((await rest(qdrant, "DELETE", path)).status).toBe(200);
    expect((await rest(qdrant, "DELETE", path)).status).toBe(404);
  });
});
