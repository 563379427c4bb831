import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startQdrant } from "@qdrant-migrate/qdrant-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { SnapshotRestoreError } from "../src/qdrant/errors.js";
import { restoreCollection, restoreTempName } from "../src/qdrant/restore-collection.js";
import { listSnapshots, pruneSnapshots, takeSnapshot } from "../src/qdrant/snapshots.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const qdrant = useQdrant();
let conn: QdrantConnection;

beforeAll(() => {
  conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 60_000 });
});

const ORIGINAL = [1, 2, 3, 4, 5].map((id) => ({
  id,
  vector: { text: [id, 1, 0, 0] },
  payload: { lang: id % 2 ? "en" : "de", n: id },
}));

/** A collection with a named vector, a payload index and five points. */
async function seed(name: string): Promise<void> {
  await conn.client.createCollection(name, { vectors: { text: { size: 4, distance: "Dot" } } });
  await conn.client.createPayloadIndex(name, {
    field_name: "lang",
    field_schema: "keyword",
    wait: true,
  });
  await conn.client.upsert(name, { wait: true, points: ORIGINAL });
}

/** Every point, by id, with vectors and payload. */
async function points(name: string): Promise<unknown[]> {
  const { points } = await conn.client.scroll(name, {
    limit: 100,
    with_payload: true,
    with_vector: true,
  });
  return points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload }));
}

async function schemaOf(name: string): Promise<{ vectors: unknown; indexes: string[] }> {
  const info = await conn.client.getCollection(name);
  return {
    vectors: info.config.params.vectors,
    indexes: Object.keys(info.payload_schema ?? {}).sort(),
  };
}

async function leftoverTemps(collection: string): Promise<string[]> {
  const { collections } = await conn.client.getCollections();
  return collections.map((c) => c.name).filter((n) => n.startsWith(`${collection}__qm_restore_`));
}

/** Changes data, payloads, payload indexes and the vectors config. */
async function mutate(name: string): Promise<void> {
  await conn.client.upsert(name, {
    wait: true,
    points: [{ id: 6, vector: { text: [6, 1, 0, 0] }, payload: { lang: "fr" } }],
  });
  await conn.client.delete(name, { wait: true, points: [1] });
  await conn.client.setPayload(name, { wait: true, payload: { lang: "xx" }, points: [2] });
  await conn.client.createPayloadIndex(name, {
    field_name: "n",
    field_schema: "integer",
    wait: true,
  });
  await conn.client.createVectorName(name, "image", { dense: { size: 2, distance: "Cosine" } });
}

describe("snapshots", () => {
  it("takeSnapshot records the snapshot name, exact point count and checksum", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const taken = await takeSnapshot(conn, name);
    expect(taken.pointsCount).toBe(5);
    expect(taken.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect((await listSnapshots(conn, name)).map((s) => s.name)).toContain(taken.snapshot);
  });

  it("restores points, vectors, payloads, payload indexes and vectors config after changes", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const before = { points: await points(name), schema: await schemaOf(name) };
    const taken = await takeSnapshot(conn, name);
    await mutate(name);
    expect(await schemaOf(name)).not.toEqual(before.schema);

    await restoreCollection(conn, { collection: name, ...taken });

    expect(await points(name)).toEqual(before.points);
    expect(await schemaOf(name)).toEqual(before.schema);
    expect(await leftoverTemps(name)).toEqual([]);
  });

  it("leaves the recorded snapshot as it was and no uploaded copies behind", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const taken = await takeSnapshot(conn, name);
    const snapshotsBefore = await listSnapshots(conn, name);
    await mutate(name);
    await restoreCollection(conn, { collection: name, ...taken });
    await restoreCollection(conn, { collection: name, ...taken });
    const after = await listSnapshots(conn, name);
    expect(after.map((s) => [s.name, s.checksum])).toEqual(
      snapshotsBefore.map((s) => [s.name, s.checksum]),
    );
  });

  it("keeps the collection's aliases when it has to replace the collection", async () => {
    const name = uniqueName("snap");
    const alias = uniqueName("alias");
    await seed(name);
    await conn.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: name } }],
    });
    const taken = await takeSnapshot(conn, name);
    await mutate(name);
    await restoreCollection(conn, { collection: name, ...taken });
    const { aliases } = await conn.client.getCollectionAliases(name);
    expect(aliases.map((a) => a.alias_name)).toEqual([alias]);
  });

  it("restores a collection the step deleted", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const before = { points: await points(name), schema: await schemaOf(name) };
    const taken = await takeSnapshot(conn, name);
    await conn.client.deleteCollection(name);

    await restoreCollection(conn, { collection: name, ...taken });

    expect(await points(name)).toEqual(before.points);
    expect(await schemaOf(name)).toEqual(before.schema);
    expect(await leftoverTemps(name)).toEqual([]);
  });

  it("leaves a deleted collection absent, with no placeholder, when its snapshot cannot be proven", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const taken = await takeSnapshot(conn, name);
    await conn.client.deleteCollection(name);

    const error = await restoreCollection(conn, {
      collection: name,
      snapshot: taken.snapshot,
      pointsCount: taken.pointsCount + 1,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SnapshotRestoreError);
    const { collections } = await conn.client.getCollections();
    expect(collections.map((c) => c.name)).not.toContain(name);
    expect(await leftoverTemps(name)).toEqual([]);
  });

  it("can run twice with the same result", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const before = await points(name);
    const taken = await takeSnapshot(conn, name);
    await mutate(name);
    await restoreCollection(conn, { collection: name, ...taken });
    await restoreCollection(conn, { collection: name, ...taken });
    expect(await points(name)).toEqual(before);
    expect(await leftoverTemps(name)).toEqual([]);
  });

  it("fails with SnapshotRestoreError and leaves the collection untouched when the snapshot is missing", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const taken = await takeSnapshot(conn, name);
    await mutate(name);
    const changed = { points: await points(name), schema: await schemaOf(name) };

    const error = await restoreCollection(conn, {
      collection: name,
      snapshot: `${name}-0-1999-01-01-00-00-00.snapshot`,
      pointsCount: taken.pointsCount,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SnapshotRestoreError);
    expect((error as SnapshotRestoreError).message).toContain("left untouched");
    expect(await points(name)).toEqual(changed.points);
    expect(await schemaOf(name)).toEqual(changed.schema);
    expect(await leftoverTemps(name)).toEqual([]);
  });

  it("fails without touching anything when the recovered copy does not hold the recorded points", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const taken = await takeSnapshot(conn, name);
    await mutate(name);
    const changed = await points(name);

    const error = await restoreCollection(conn, {
      collection: name,
      snapshot: taken.snapshot,
      pointsCount: taken.pointsCount + 1,
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SnapshotRestoreError);
    expect(await points(name)).toEqual(changed);
    expect(await leftoverTemps(name)).toEqual([]);
  });

  it("replaces a leftover temporary collection that is not a proven copy", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const before = await points(name);
    const taken = await takeSnapshot(conn, name);
    await mutate(name);
    const temp = restoreTempName(name, taken.snapshot);
    await conn.client.createCollection(temp, { vectors: { size: 2, distance: "Dot" } });

    await restoreCollection(conn, { collection: name, ...taken });

    expect(await points(name)).toEqual(before);
    expect(await leftoverTemps(name)).toEqual([]);
  });

  it("resumes from a proven temporary copy after a crash that left the collection deleted", async () => {
    const name = uniqueName("snap");
    await seed(name);
    const before = await points(name);
    const taken = await takeSnapshot(conn, name);
    // What an interrupted restore leaves behind: the proven copy, and no collection.
    const temp = restoreTempName(name, taken.snapshot);
    const download = await conn.fetchRaw(`/collections/${name}/snapshots/${taken.snapshot}`);
    const form = new FormData();
    form.append("snapshot", await download.blob(), taken.snapshot);
    const upload = await conn.fetchRaw(`/collections/${temp}/snapshots/upload?wait=true`, {
      method: "POST",
      body: form,
    });
    expect(upload.status).toBe(200);
    await conn.client.deleteCollection(name);

    await restoreCollection(conn, { collection: name, ...taken });

    expect(await points(name)).toEqual(before);
    expect(await leftoverTemps(name)).toEqual([]);
  });
});

describe("snapshots on a server that needs an API key", () => {
  it("downloads and uploads with the key", async () => {
    const key = "restore-secret-key";
    const server = await startQdrant({ apiKey: key });
    try {
      const keyed = connectQdrant({ url: server.url, apiKey: key, timeoutMs: 30_000 });
      const name = uniqueName("snap");
      await keyed.client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
      await keyed.client.upsert(name, { wait: true, points: [{ id: 1, vector: [1, 0] }] });
      const taken = await takeSnapshot(keyed, name);
      await keyed.client.delete(name, { wait: true, points: [1] });
      await restoreCollection(keyed, { collection: name, ...taken });
      expect((await keyed.client.count(name, { exact: true })).count).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

describe("pruneSnapshots", () => {
  let server: Server;
  let url: string;
  const deleted: string[] = [];
  const listed = [
    { name: "c-3.snapshot", creation_time: "2026-01-03T00:00:00", size: 1, checksum: null },
    { name: "c-1.snapshot", creation_time: "2026-01-01T00:00:00", size: 1, checksum: null },
    { name: "c-2.snapshot", creation_time: "2026-01-02T00:00:00", size: 1, checksum: null },
    { name: "c-4.snapshot", creation_time: "2026-01-04T00:00:00", size: 1, checksum: null },
  ];

  beforeAll(async () => {
    // A stand-in: four snapshots in distinct seconds cannot be made quickly on a real server.
    server = createServer((req, res) => {
      req.resume();
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      if (req.method === "DELETE") deleted.push(path.split("/").pop() ?? "");
      const result = req.method === "GET" ? listed : true;
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ result, status: "ok", time: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("deletes the oldest snapshots beyond `keep`, sparing protected ones", async () => {
    const stand = connectQdrant({ url, timeoutMs: 5_000 });
    const result = await pruneSnapshots(stand, "c", 2, ["c-1.snapshot"]);
    expect(result).toEqual(["c-2.snapshot"]);
    expect(deleted).toEqual(["c-2.snapshot"]);
  });
});
