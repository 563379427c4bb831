import { QdrantClient } from "@qdrant/js-client-rest";
import { describe, expect, it } from "vitest";
import { type RunningQdrant, startQdrant } from "../src/testing/index.js";
import { CopyVerificationError } from "../src/toolkit/data/errors.js";
import { useTestDatabase } from "./harness/database.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { stepContext, useJournalKysely } from "./harness/step-context.js";

const database = useTestDatabase();
const qdrant = useQdrant();
const journal = useJournalKysely(database);

const POINTS = 300;

/** `POINTS` points on `client`: named vectors `text` (4, Cosine) and `tag` (2, Dot), kind a/b, an index on kind. */
async function seed(client: QdrantClient, collection: string): Promise<void> {
  await client.createCollection(collection, {
    vectors: { text: { size: 4, distance: "Cosine" }, tag: { size: 2, distance: "Dot" } },
    hnsw_config: { m: 20 },
  });
  await client.createPayloadIndex(collection, {
    field_name: "kind",
    field_schema: "keyword",
    wait: true,
  });
  for (let start = 1; start <= POINTS; start += 100) {
    await client.upsert(collection, {
      wait: true,
      points: Array.from({ length: 100 }, (_, i) => start + i).map((id) => ({
        id,
        vector: { text: [id, 1, 0, 0], tag: [id % 7, 1] },
        payload: { kind: id % 2 ? "a" : "b", n: id, nested: { at: [id] } },
      })),
    });
  }
}

async function allPoints(client: QdrantClient, collection: string) {
  const { points } = await client.scroll(collection, {
    limit: POINTS + 1,
    with_payload: true,
    with_vector: true,
  });
  return new Map(points.map((p) => [Number(p.id), p]));
}

describe("copyCollection", () => {
  it("copies every point matching the filter, payload and all vectors, through the transform, into a target created like the source", async () => {
    const from = uniqueName("copy_src");
    const to = uniqueName("copy_dst");
    await seed(qdrant.client, from);
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_copy" });
    const result = await ctx.schema.copyCollection(from, to, {
      filter: { must: [{ key: "kind", match: { value: "a" } }] },
      batchSize: 32,
      transform: (p) =>
        Number(p.id) % 5 === 0 ? null : { ...p, payload: { ...p.payload, copied: true } },
    });
    expect(result).toMatchObject({ from, to, created: true, scanned: 150, skipped: 30 });
    expect(result.copied).toBe(120);
    expect(result.count).toBe(120);
    expect(result.sampled).toBe(16);

    const source = await qdrant.client.getCollection(from);
    const target = await qdrant.client.getCollection(to);
    expect(target.config.params.vectors).toEqual(source.config.params.vectors);
    expect(target.config.hnsw_config.m).toBe(20);
    expect(Object.keys(target.payload_schema)).toEqual(["kind"]);

    const before = await allPoints(qdrant.client, from);
    const after = await allPoints(qdrant.client, to);
    expect([...after.keys()].sort((a, b) => a - b)).toEqual(
      [...before.keys()].filter((id) => id % 2 === 1 && id % 5 !== 0).sort((a, b) => a - b),
    );
    for (const [id, point] of after) {
      const original = before.get(id);
      expect(point.payload).toEqual({ ...original?.payload, copied: true });
      expect(point.vector).toEqual(original?.vector);
    }
  });

  it("copies from a collection on another Qdrant server, given its URL and API key", async () => {
    let other: RunningQdrant | undefined;
    try {
      other = await startQdrant({ apiKey: "source-secret-key-123" });
      const remote = new QdrantClient({
        url: other.url,
        apiKey: "source-secret-key-123",
        checkCompatibility: false,
      });
      const from = uniqueName("copy_remote");
      const to = uniqueName("copy_local");
      await seed(remote, from);
      const log: string[] = [];
      const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_move", log });
      const result = await ctx.schema.copyCollection(from, to, {
        source: { url: other.url, apiKey: "source-secret-key-123" },
        batchSize: 64,
      });
      expect(result).toMatchObject({ created: true, scanned: POINTS, copied: POINTS, skipped: 0 });
      expect((await qdrant.client.count(to, { exact: true })).count).toBe(POINTS);
      expect(await allPoints(qdrant.client, to)).toEqual(await allPoints(remote, from));
      expect(log.join("\n")).not.toContain("source-secret-key-123");
      expect(log.at(-1)).toContain(`on ${other.url}`);
    } finally {
      await other?.stop();
    }
  });

  it("fails verification when the target held other points before the copy", async () => {
    const from = uniqueName("copy_vsrc");
    const to = uniqueName("copy_vdst");
    await seed(qdrant.client, from);
    await qdrant.client.createCollection(to, {
      vectors: { text: { size: 4, distance: "Cosine" }, tag: { size: 2, distance: "Dot" } },
    });
    await qdrant.client.upsert(to, {
      wait: true,
      points: [{ id: 10_000, vector: { text: [1, 0, 0, 0] }, payload: {} }],
    });
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_dirty" });
    const error = await ctx.schema.copyCollection(from, to).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CopyVerificationError);
    expect((error as Error).message).toContain(
      `${to} holds ${POINTS + 1} points, the copy wrote ${POINTS}`,
    );
  });

  it("creates the target with the source's whole config (sparse vectors, quantization, HNSW, optimizers, strict mode, metadata), within strict mode's limits", async () => {
    const from = uniqueName("copy_cfg");
    const to = uniqueName("copy_cfg_dst");
    await qdrant.client.createCollection(from, {
      vectors: { size: 4, distance: "Dot", on_disk: true },
      sparse_vectors: { words: { modifier: "idf" } },
      hnsw_config: { m: 8, ef_construct: 50 },
      optimizers_config: { indexing_threshold: 5000 },
      quantization_config: { scalar: { type: "int8", quantile: 0.9 } },
      // Its limits are below the copy's default page size of 192.
      strict_mode_config: { enabled: true, max_query_limit: 50, upsert_max_batchsize: 40 },
    });
    await qdrant.client.updateCollection(from, { metadata: { owner: "search" } });
    for (let start = 0; start < 120; start += 40) {
      await qdrant.client.upsert(from, {
        wait: true,
        points: Array.from({ length: 40 }, (_, i) => ({
          id: start + i + 1,
          vector: { "": [1, 2, 3, start + i], words: { indices: [3], values: [1.5] } },
        })),
      });
    }
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_cfg" });
    expect(await ctx.schema.copyCollection(from, to)).toMatchObject({ created: true, copied: 120 });
    const { config: source } = await qdrant.client.getCollection(from);
    const { config: target } = await qdrant.client.getCollection(to);
    expect(target.params).toEqual(source.params);
    expect(target.hnsw_config).toEqual(source.hnsw_config);
    expect(target.optimizer_config).toEqual(source.optimizer_config);
    expect(target.quantization_config).toEqual(source.quantization_config);
    expect(target.strict_mode_config).toEqual(source.strict_mode_config);
    expect(target.metadata).toEqual(source.metadata);
    const page = { limit: 50, with_payload: true, with_vector: true };
    expect((await qdrant.client.scroll(to, page)).points).toEqual(
      (await qdrant.client.scroll(from, page)).points,
    );
  });
});
