import { startQdrant } from "@qdrant-migrate/qdrant-server";
import { beforeAll, describe, expect, it } from "vitest";
import { createBodyOf } from "../src/collection-schema/create-body.js";
import { diffSchemas } from "../src/collection-schema/diff-schemas.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { readCollectionSchema } from "../src/qdrant/read-schema.js";
import { stampSchemaVersion } from "../src/qdrant/schema-stamp.js";
import { COLLECTION_METADATA, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

const metadata = await needsQdrant(COLLECTION_METADATA);

const qdrant = useQdrant();
let conn: QdrantConnection;

beforeAll(() => {
  conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 30_000 });
});

async function makeCollection(name: string): Promise<void> {
  await conn.client.createCollection(name, {
    vectors: { text: { size: 4, distance: "Cosine" } },
  });
}

describe("a live collection's schema", () => {
  it("is undefined for a collection that does not exist", async () => {
    expect(await readCollectionSchema(conn, uniqueName("missing"))).toBeUndefined();
  });

  it("reports vectors, aliases and payload indexes without their volatile counts", async () => {
    const name = uniqueName("live");
    const alias = uniqueName("alias");
    await makeCollection(name);
    await conn.client.createPayloadIndex(name, {
      field_name: "lang",
      field_schema: "keyword",
      wait: true,
    });
    await conn.client.upsert(name, {
      wait: true,
      points: [{ id: 1, vector: { text: [1, 0, 0, 0] }, payload: { lang: "en" } }],
    });
    await conn.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: name } }],
    });
    const live = await readCollectionSchema(conn, name);
    expect(live?.vectors).toEqual({
      text: { size: 4, distance: "Cosine", datatype: "float32", on_disk: false },
    });
    expect(live?.payloadIndexes).toEqual({ lang: { type: "keyword" } });
    expect(live?.aliases).toEqual([alias]);
  });

  it("shows no drift between two reads of an unchanged collection, even after points change", async () => {
    const name = uniqueName("live");
    await makeCollection(name);
    await conn.client.createPayloadIndex(name, {
      field_name: "n",
      field_schema: "integer",
      wait: true,
    });
    const first = await readCollectionSchema(conn, name);
    await conn.client.upsert(name, {
      wait: true,
      points: [{ id: 1, vector: { text: [1, 0, 0, 0] }, payload: { n: 1 } }],
    });
    const second = await readCollectionSchema(conn, name);
    if (!first || !second) throw new Error("collection vanished");
    expect(diffSchemas(first, second)).toEqual([]);
  });

  it.skipIf(metadata.skip)(
    `stamps the schema version into the collection's metadata, keeping other keys${metadata.reason}`,
    async () => {
      const name = uniqueName("live");
      await makeCollection(name);
      await conn.client.updateCollection(name, { metadata: { owner: "search-team" } });
      expect(await stampSchemaVersion(conn, name, { schemaVersion: 3, migration: "003_add" })).toBe(
        true,
      );
      const info = await conn.client.getCollection(name);
      const metadata = (info.config as { metadata?: Record<string, unknown> }).metadata ?? {};
      const stamp = (metadata.qdrant_migrate ?? {}) as Record<string, unknown>;
      expect(metadata.owner).toBe("search-team");
      expect(stamp).toMatchObject({ schema_version: 3, migration: "003_add" });
      expect(typeof stamp.migrated_at).toBe("string");
    },
  );

  it("does not count its own stamp as drift", async () => {
    const name = uniqueName("live");
    await makeCollection(name);
    const before = await readCollectionSchema(conn, name);
    await stampSchemaVersion(conn, name, { schemaVersion: 1, migration: "001_init" });
    const after = await readCollectionSchema(conn, name);
    if (!before || !after) throw new Error("collection vanished");
    expect(diffSchemas(before, after)).toEqual([]);
  });

  it("skips the stamp on a server older than 1.16, which has no collection metadata", async () => {
    const old = await startQdrant({ version: "1.15.4" });
    try {
      const oldConn = connectQdrant({ url: old.url, timeoutMs: 10_000 });
      const name = uniqueName("live");
      await oldConn.client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
      expect(await stampSchemaVersion(oldConn, name, { schemaVersion: 1, migration: "001" })).toBe(
        false,
      );
      const info = await oldConn.client.getCollection(name);
      expect((info.config as { metadata?: unknown }).metadata ?? {}).toEqual({});
    } finally {
      await old.stop();
    }
  });

  it("creates from a schema's own create body a collection with that schema", async () => {
    const source = uniqueName("live");
    await conn.client.createCollection(source, {
      vectors: { text: { size: 4, distance: "Dot", on_disk: true, hnsw_config: { m: 8 } } },
      sparse_vectors: { words: { modifier: "idf" } },
      hnsw_config: { ef_construct: 64 },
      quantization_config: { scalar: { type: "int8" } },
    });
    await conn.client.createPayloadIndex(source, {
      field_name: "lang",
      field_schema: { type: "keyword", is_tenant: true },
      wait: true,
    });
    const schema = await readCollectionSchema(conn, source);
    if (!schema) throw new Error("collection vanished");
    const twin = uniqueName("twin");
    const { payloadIndexes, ...body } = createBodyOf(schema);
    await conn.client.createCollection(twin, body);
    for (const [field, fieldSchema] of Object.entries(payloadIndexes ?? {})) {
      await conn.client.createPayloadIndex(twin, {
        field_name: field,
        field_schema: fieldSchema,
        wait: true,
      });
    }
    const copy = await readCollectionSchema(conn, twin);
    if (!copy) throw new Error("twin vanished");
    expect(diffSchemas(schema, copy)).toEqual([]);
  });
});
