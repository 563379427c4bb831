import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 14: aliases the application makes itself are not drift.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

/** A migration creating `collection` and this project's alias `alias` on it. */
const createWithAlias = (collection: string, alias: string): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
        await qdrant.updateCollectionAliases({
          actions: [{ create_alias: { collection_name: collection, alias_name: alias } }],
        });
      },
      down: async ({ qdrant }) => {
        await qdrant.deleteCollection(collection);
      },
    },
  });

async function setAlias(alias: string, collection: string): Promise<void> {
  await qdrant.client.updateCollectionAliases({
    actions: [{ create_alias: { collection_name: collection, alias_name: alias } }],
  });
}

describe("check and aliases", () => {
  it("does not report an alias the application created on a migrated collection", async () => {
    const collection = uniqueName("docs");
    engine.addMigration("001_create", createWithAlias(collection, `${collection}_a`));
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    await setAlias(uniqueName("app_search"), collection);
    expect((await m.check()).drift).toEqual([]);
  });

  it("reports a change to an alias a migration created", async () => {
    const collection = uniqueName("docs");
    const alias = `${collection}_a`;
    engine.addMigration("001_create", createWithAlias(collection, alias));
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    await qdrant.client.updateCollectionAliases({
      actions: [{ delete_alias: { alias_name: alias } }],
    });
    expect((await m.check()).drift).toEqual([
      { collection, differences: [expect.stringMatching(/^aliases: .*→ \[\]$/)] },
    ]);
  });

  it("reports a change to an alias that qdrant.managedAliases names by pattern", async () => {
    const collection = uniqueName("docs");
    engine.addMigration("001_create", createWithAlias(collection, `${collection}_a`));
    const m = engine.migrator({}, { managedAliases: [`${collection}_*`] });
    expect((await m.up()).error).toBeUndefined();
    await setAlias(`${collection}_by_hand`, collection);
    await setAlias(uniqueName("app_search"), collection);
    expect((await m.check()).drift).toEqual([
      { collection, differences: [expect.stringContaining(`${collection}_by_hand`)] },
    ]);
  });
});
