import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { COLLECTION_METADATA, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

const metadata = await needsQdrant(COLLECTION_METADATA);

// Issue 14: a reverted migration's schema version must not outlive it.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

/** Creates `collection`; its down deletes it, or (`keep`) does nothing. */
const createCollection = (collection: string, down: "delete" | "keep"): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
      },
      down: async ({ qdrant }) => {
        if (down === "delete") await qdrant.deleteCollection(collection);
      },
    },
  });

const addIndex = (collection: string): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.createPayloadIndex(collection, {
          field_name: "lang",
          field_schema: "keyword",
          wait: true,
        });
      },
      down: async ({ qdrant }) => {
        await qdrant.deletePayloadIndex(collection, "lang", { wait: true });
      },
    },
  });

describe("schema versions after down", () => {
  it("down puts the collection's schema version back to the one the reverted migration replaced", async () => {
    const collection = uniqueName("docs");
    engine.addMigration("001_create", createCollection(collection, "delete"));
    engine.addMigration("002_index", addIndex(collection));
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    const versionOf = async () =>
      (await m.status()).collections.find((c) => c.collectionName === collection);
    expect(await versionOf()).toMatchObject({ schemaVersion: 2, lastMigration: "002_index" });

    expect((await m.down()).error).toBeUndefined();
    expect(await versionOf()).toMatchObject({ schemaVersion: 1, lastMigration: "001_create" });
    expect((await m.check()).drift).toEqual([]);
  });

  it("down of the migration that created a collection forgets its version, though the collection stays", async () => {
    const collection = uniqueName("docs");
    engine.addMigration("001_create", createCollection(collection, "keep"));
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    expect((await m.down()).error).toBeUndefined();
    expect((await m.status()).collections.map((c) => c.collectionName)).not.toContain(collection);
  });

  it("after a down, up again records the version after the restored one", async () => {
    const collection = uniqueName("docs");
    engine.addMigration("001_create", createCollection(collection, "delete"));
    engine.addMigration("002_index", addIndex(collection));
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    expect((await m.down()).error).toBeUndefined();
    expect((await m.up()).error).toBeUndefined();
    const recorded = (await m.status()).collections.find((c) => c.collectionName === collection);
    expect(recorded).toMatchObject({ schemaVersion: 2, lastMigration: "002_index" });
  });

  it.skipIf(metadata.skip)(
    `down --from-snapshot takes away the version and the metadata stamp of a collection that had none${metadata.reason}`,
    async () => {
      const collection = uniqueName("big");
      await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
      await qdrant.client.upsert(collection, {
        wait: true,
        points: [1, 2, 3, 4].map((id) => ({ id, vector: [id, 0, 0, 0] })),
      });
      engine.addMigration(
        "001_delete_half",
        defineMigration({
          qdrant: {
            up: async ({ qdrant }) => {
              await qdrant.delete(collection, { wait: true, points: [1, 2] });
            },
          },
        }),
      );
      const m = engine.migrator();
      const stamp = async () =>
        ((await qdrant.client.getCollection(collection)).config as { metadata?: object }).metadata;
      expect((await m.up()).error).toBeUndefined();
      expect(await stamp()).toMatchObject({ qdrant_migrate: { migration: "001_delete_half" } });

      expect((await m.down({ fromSnapshot: true })).error).toBeUndefined();
      expect((await m.status()).collections.map((c) => c.collectionName)).not.toContain(collection);
      expect(await stamp()).not.toHaveProperty("qdrant_migrate");
      expect((await qdrant.client.count(collection, { exact: true })).count).toBe(4);
    },
  );

  it("down of a migration that first gave an existing collection a version takes that version away", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    engine.addMigration("001_index", addIndex(collection));
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    expect((await m.down()).error).toBeUndefined();
    expect((await m.status()).collections.map((c) => c.collectionName)).not.toContain(collection);
  });

  it("a collection an alias was moved off keeps its version; only its recorded aliases follow", async () => {
    const alias = uniqueName("content");
    const v1 = `${alias}_v1`;
    const v2 = `${alias}_v2`;
    const pointAliasAt = (to: string) => ({
      actions: [
        { delete_alias: { alias_name: alias } },
        { create_alias: { collection_name: to, alias_name: alias } },
      ],
    });
    engine.addMigration(
      "001_create",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection(v1, { vectors: { size: 4, distance: "Dot" } });
            await qdrant.updateCollectionAliases({
              actions: [{ create_alias: { collection_name: v1, alias_name: alias } }],
            });
          },
        },
      }),
    );
    engine.addMigration(
      "002_switch",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection(v2, { vectors: { size: 8, distance: "Dot" } });
            await qdrant.updateCollectionAliases(pointAliasAt(v2));
          },
          down: async ({ qdrant }) => {
            await qdrant.updateCollectionAliases(pointAliasAt(v1));
            await qdrant.deleteCollection(v2);
          },
        },
      }),
    );
    const m = engine.migrator();
    const versionOf = async (collection: string) =>
      (await m.status()).collections.find((c) => c.collectionName === collection);
    expect((await m.up()).error).toBeUndefined();
    expect(await versionOf(v1)).toMatchObject({
      schemaVersion: 1,
      lastMigration: "001_create",
      aliases: [],
    });
    expect(await versionOf(v2)).toMatchObject({ schemaVersion: 1, lastMigration: "002_switch" });
    expect((await m.check()).drift).toEqual([]);

    expect((await m.down()).error).toBeUndefined();
    expect(await versionOf(v1)).toMatchObject({
      schemaVersion: 1,
      lastMigration: "001_create",
      aliases: [alias],
    });
    expect((await m.check()).drift).toEqual([]);
  });
});
