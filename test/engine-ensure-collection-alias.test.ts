import { describe, expect, it } from "vitest";
import {
  CollectionNotAliasedError,
  defineMigration,
  type MigrationDefinition,
} from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { stepContext, useJournalKysely } from "./harness/step-context.js";

// ensureCollection(name, spec, { alias: true }): a collection born behind the
// alias a later blue-green change switches, journaled like any alias change.
const database = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(database, qdrant, { migrations: "in code" });
const journal = useJournalKysely(database);

const SPEC = {
  vectors: { text: { size: 4, distance: "Dot" as const } },
  payloadIndexes: { n: "integer" as const },
};

async function aliasTarget(alias: string): Promise<string | undefined> {
  const { aliases } = await qdrant.client.getAliases();
  return aliases.find((a) => a.alias_name === alias)?.collection_name;
}

async function exists(collection: string): Promise<boolean> {
  const { collections } = await qdrant.client.getCollections();
  return collections.some((c) => c.name === collection);
}

/** Every collection and alias on the server whose name starts with `name`. */
async function namesOf(name: string): Promise<{ collections: string[]; aliases: string[] }> {
  const { collections } = await qdrant.client.getCollections();
  const { aliases } = await qdrant.client.getAliases();
  return {
    collections: collections
      .map((c) => c.name)
      .filter((c) => c.startsWith(name))
      .sort(),
    aliases: aliases
      .map((a) => `${a.alias_name} -> ${a.collection_name}`)
      .filter((a) => a.startsWith(name))
      .sort(),
  };
}

/** Migration 001: `name` born behind its alias, with points 1..3 written through it; down undoes both. */
const create = (name: string): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ schema, qdrant }) => {
        await schema.ensureCollection(name, SPEC, { alias: true });
        await qdrant.upsert(name, {
          wait: true,
          points: [1, 2, 3].map((id) => ({
            id,
            vector: { text: [id, 1, 0, 0] },
            payload: { n: id },
          })),
        });
      },
      down: async ({ schema, qdrant }) => {
        const { previous } = await schema.revertAlias(name);
        if (previous === null) throw new Error(`revertAlias("${name}") left no collection behind`);
        await qdrant.deleteCollection(previous);
      },
    },
  });

describe("ensureCollection with { alias: true }", () => {
  it("creates <name>_v1 behind the alias <name>, and asked again changes nothing", async () => {
    const name = uniqueName("eca_new");
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_create" });
    const spec = { vectors: { text: { size: 4, distance: "Cosine" as const } } };

    const first = await ctx.schema.ensureCollection(name, spec, { alias: true });
    expect(first).toMatchObject({
      created: true,
      changed: true,
      alias: { name, collection: `${name}_v1`, created: true },
    });
    expect(await namesOf(name)).toEqual({
      collections: [`${name}_v1`],
      aliases: [`${name} -> ${name}_v1`],
    });

    const again = await ctx.schema.ensureCollection(name, spec, { alias: true });
    expect(again).toMatchObject({
      created: false,
      changed: false,
      alias: { name, collection: `${name}_v1`, created: false },
    });
    expect(await namesOf(name)).toEqual({
      collections: [`${name}_v1`],
      aliases: [`${name} -> ${name}_v1`],
    });
  });

  it("finishes what an interrupted run left: an existing <name>_v1 without its alias gets the alias", async () => {
    const name = uniqueName("eca_half");
    await qdrant.client.createCollection(`${name}_v1`, {
      vectors: { text: { size: 4, distance: "Cosine" } },
    });
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_create" });
    const result = await ctx.schema.ensureCollection(
      name,
      { vectors: { text: { size: 4, distance: "Cosine" } } },
      { alias: true },
    );
    expect(result).toMatchObject({ created: false, alias: { created: true } });
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
  });

  it("refuses a physical collection of that name with COLLECTION_NOT_ALIASED, creating nothing", async () => {
    const name = uniqueName("eca_phys");
    await qdrant.client.createCollection(name, {
      vectors: { text: { size: 4, distance: "Cosine" } },
    });
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_create" });
    const error = await ctx.schema
      .ensureCollection(
        name,
        { vectors: { text: { size: 4, distance: "Cosine" } } },
        { alias: true },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollectionNotAliasedError);
    expect((error as Error).message).toContain(`ensureCollection("${name}"`);
    expect(await namesOf(name)).toEqual({ collections: [name], aliases: [] });
  });

  it("a later changeVector switches the alias to <name>_v2 with the points; the downs put it back on _v1, then remove alias and _v1", async () => {
    const name = uniqueName("eca_bg");
    engine.addMigration("001_create", create(name));
    engine.addMigration(
      "002_widen",
      defineMigration({
        qdrant: {
          up: async ({ schema }) => {
            await schema.changeVector(
              name,
              "text",
              { size: 8 },
              {
                transform: (p) => {
                  const text = (p.vector as { text: number[] }).text;
                  return { ...p, vector: { text: [...text, ...text] } };
                },
              },
            );
          },
          down: async ({ schema }) => {
            await schema.revertAlias(name);
          },
        },
      }),
    );
    const migrator = engine.migrator();
    expect((await migrator.up()).error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v2`);
    const v2 = await qdrant.client.getCollection(name);
    expect(v2.config.params.vectors).toMatchObject({ text: { size: 8 } });
    expect(Object.keys(v2.payload_schema)).toEqual(["n"]);
    const { points } = await qdrant.client.scroll(name, { limit: 10, with_vector: true });
    expect(points.map((p) => [p.id, (p.vector as Record<string, number[]>).text]).sort()).toEqual([
      [1, [1, 1, 0, 0, 1, 1, 0, 0]],
      [2, [2, 1, 0, 0, 2, 1, 0, 0]],
      [3, [3, 1, 0, 0, 3, 1, 0, 0]],
    ]);

    expect((await migrator.down()).error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v1`);

    expect((await migrator.down()).error).toBeUndefined();
    expect(await aliasTarget(name)).toBeUndefined();
    expect(await exists(`${name}_v1`)).toBe(false);

    // Applied again from scratch, it is born as _v1 again.
    expect((await migrator.up({ step: 1 })).error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
  });

  it("up --dry-run lists <name>_v1 and the alias, and creates neither", async () => {
    const name = uniqueName("eca_dry");
    engine.addMigration("001_create", create(name));
    const plan = await engine.migrator().plan({ simulate: true });
    expect(plan[0]?.operations).toEqual([
      `createCollection ${name}_v1`,
      `createPayloadIndex ${name}_v1.n ("integer")`,
      `updateCollectionAliases: alias ${name} → ${name}_v1`,
      `upsert 3 point(s) of ${name}`,
    ]);
    expect(await namesOf(name)).toEqual({ collections: [], aliases: [] });
  });

  it("a failing migration that used it is rolled back exactly: no alias, no collection, other aliases as they were", async () => {
    const name = uniqueName("eca_fail");
    const other = uniqueName("eca_other");
    await qdrant.client.createCollection(`${other}_v1`, {
      vectors: { text: { size: 4, distance: "Cosine" } },
    });
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: other, collection_name: `${other}_v1` } }],
    });
    engine.addMigration(
      "001_create",
      defineMigration({
        qdrant: {
          up: async ({ schema, qdrant }) => {
            await schema.ensureCollection(name, SPEC, { alias: true });
            await qdrant.upsert(name, {
              wait: true,
              points: [{ id: 1, vector: { text: [1, 0, 0, 0] } }],
            });
          },
          down: async () => {},
        },
        verify: async () => {
          throw new Error("verify says no");
        },
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code, result.error?.message).toBe("MIGRATION_FAILED");
    expect(await namesOf(name)).toEqual({ collections: [], aliases: [] });
    expect(await namesOf(other)).toEqual({
      collections: [`${other}_v1`],
      aliases: [`${other} -> ${other}_v1`],
    });
  });
});
