import { describe, expect, it } from "vitest";
import {
  defineMigration,
  type MigrationDefinition,
  type MigratorEvent,
  type StepContext,
} from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { IN_PLACE_VECTORS, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

const inPlace = await needsQdrant(IN_PLACE_VECTORS);

// ctx.schema through the engine: what it changes is recorded by the tracking
// client and undone when the migration fails, like a direct client call.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

/** Named vector `text`, an index on `lang`, three points. */
async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, {
    vectors: { text: { size: 4, distance: "Dot" } },
  });
  await qdrant.client.createPayloadIndex(collection, {
    field_name: "lang",
    field_schema: "keyword",
    wait: true,
  });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: [1, 2, 3].map((id) => ({ id, vector: { text: [id, 0, 0, 1] }, payload: { n: id } })),
  });
}

/** Points, vectors, indexes and the settings the migrations below change. */
async function stateOf(collection: string) {
  const info = await qdrant.client.getCollection(collection);
  const { points } = await qdrant.client.scroll(collection, {
    limit: 100,
    with_payload: true,
    with_vector: true,
  });
  return {
    points: points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload })),
    vectors: info.config.params.vectors,
    sparse: info.config.params.sparse_vectors ?? {},
    indexes: Object.keys(info.payload_schema).sort(),
    hnswM: info.config.hnsw_config.m,
    indexingThreshold: info.config.optimizer_config.indexing_threshold,
  };
}

/** A migration whose Qdrant step runs `body` with `schema` in scope, then fails in verify. */
const failingAfter = (up: (ctx: StepContext) => Promise<void>): MigrationDefinition =>
  defineMigration({
    qdrant: { up, down: async () => {} },
    verify: async () => {
      throw new Error("verify says no");
    },
  });

describe("ctx.schema in a failing migration", () => {
  it("rollback drops the collection ensureCollection created", async () => {
    const collection = uniqueName("eng_sch_new");
    engine.addMigration(
      "001_create",
      failingAfter(async ({ schema }) => {
        await schema.ensureCollection(collection, {
          vectors: { text: { size: 4, distance: "Cosine" } },
          payloadIndexes: { lang: "keyword" },
        });
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect((await qdrant.client.collectionExists(collection)).exists).toBe(false);
  });

  it.skipIf(inPlace.skip)(
    `rollback undoes ensureCollection's in-place changes and addVector by their inverse, with no snapshot${inPlace.reason}`,
    async () => {
      const collection = uniqueName("eng_sch_inv");
      await seed(collection);
      const before = await stateOf(collection);
      engine.addMigration(
        "001_in_place",
        failingAfter(async ({ schema }) => {
          const result = await schema.ensureCollection(collection, {
            vectors: { text: { size: 4, distance: "Dot" }, image: { size: 2, distance: "Cosine" } },
            sparse_vectors: { keywords: { modifier: "idf" } },
            hnsw_config: { m: before.hnswM + 8 },
            optimizers_config: { indexing_threshold: 5000 },
            payloadIndexes: { lang: "keyword", n: "integer" },
          });
          if (!result.changed) throw new Error("nothing changed");
          await schema.addVector(collection, "audio", { dense: { size: 3, distance: "Dot" } });
        }),
      );
      const events: MigratorEvent[] = [];
      const m = engine.migrator({ onEvent: (e) => void events.push(e) });
      const result = await m.up();
      expect(result.error?.code).toBe("MIGRATION_FAILED");
      expect(result.error?.message).toContain("verify says no");
      expect(await stateOf(collection)).toEqual(before);
      expect(events.filter((e) => e.type === "snapshot-taking")).toEqual([]);
      expect(await qdrant.client.listShardSnapshots(collection, 0)).toEqual([]);
      const [row] = await engine.records();
      expect(row?.schemasBefore.map((s) => s.collection)).toEqual([collection]);
    },
  );

  it("rollback puts back metadata, a sparse vector's modifier and the unnamed vector's on_disk", async () => {
    const collection = uniqueName("eng_sch_settings");
    await qdrant.client.createCollection(collection, {
      vectors: { size: 4, distance: "Dot" },
      sparse_vectors: { keywords: { modifier: "idf" } },
    });
    // The official client's createCollection does not send metadata.
    await qdrant.client.updateCollection(collection, { metadata: { owner: "search", tier: 1 } });
    const settingsOf = async () => {
      const { config } = await qdrant.client.getCollection(collection);
      const vectors = config.params.vectors as { on_disk?: boolean };
      return {
        onDisk: vectors.on_disk ?? false,
        modifier: config.params.sparse_vectors?.keywords?.modifier ?? "none",
        metadata: config.metadata,
      };
    };
    const before = await settingsOf();
    engine.addMigration(
      "001_settings",
      failingAfter(async ({ schema }) => {
        await schema.ensureCollection(collection, {
          vectors: { size: 4, distance: "Dot", on_disk: true },
          sparse_vectors: { keywords: { modifier: "none" } },
        });
        await schema.updateCollection(collection, { metadata: { owner: "ranking", added: true } });
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await settingsOf()).toEqual(before);
  });

  it("a refused ensureCollection fails the migration with the refusal's message, and nothing changed", async () => {
    const collection = uniqueName("eng_sch_refused");
    await seed(collection);
    const before = await stateOf(collection);
    engine.addMigration(
      "001_refused",
      failingAfter(async ({ schema }) => {
        await schema.ensureCollection(collection, {
          vectors: { text: { size: 8, distance: "Dot" } },
          payloadIndexes: { n: "integer" },
        });
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(result.error?.message).toContain("vectors.text.size: live 4, wanted 8");
    expect(result.error?.message).toContain("blue-green");
    expect(await stateOf(collection)).toEqual(before);
  });
});

describe("ctx.schema in a migration that succeeds", () => {
  it.skipIf(inPlace.skip)(
    `up, down and up again: each step does only what differs${inPlace.reason}`,
    async () => {
      const collection = uniqueName("eng_sch_cycle");
      await seed(collection);
      const before = await stateOf(collection);
      engine.addMigration(
        "001_cycle",
        defineMigration({
          qdrant: {
            up: async ({ schema }) => {
              await schema.addVector(collection, "image", {
                dense: { size: 2, distance: "Cosine" },
              });
              await schema.createPayloadIndex(collection, "n", "integer");
            },
            down: async ({ schema }) => {
              await schema.dropPayloadIndex(collection, "n");
              await schema.removeVector(collection, "image");
            },
          },
        }),
      );
      const m = engine.migrator();
      expect((await m.up()).error).toBeUndefined();
      expect((await stateOf(collection)).indexes).toEqual(["lang", "n"]);
      expect((await m.down()).error).toBeUndefined();
      expect(await stateOf(collection)).toEqual(before);
      expect((await m.up()).error).toBeUndefined();
      expect(Object.keys((await stateOf(collection)).vectors ?? {}).sort()).toEqual([
        "image",
        "text",
      ]);
    },
  );
});
