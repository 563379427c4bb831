import { describe, expect, it } from "vitest";
import { AliasRevertError, defineMigration, type MigrationDefinition } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// `ctx.schema.revertAlias` in a `down`: the alias goes back to the collection
// the `up` of the same migration journaled, whatever version that was.
const database = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(database, qdrant, { migrations: "in code" });

const POINTS = 12;

/** `name` as an alias of `name_v1`: vector `text` (4, Cosine), points 1..POINTS. */
async function aliased(name: string): Promise<void> {
  await qdrant.client.createCollection(`${name}_v1`, {
    vectors: { text: { size: 4, distance: "Cosine" } },
  });
  await writePoints(`${name}_v1`, 1, POINTS);
  await qdrant.client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: name, collection_name: `${name}_v1` } }],
  });
}

/** Upserts points `from..to` into `collection` (an alias or a physical name) with 4-d vectors. */
async function writePoints(collection: string, from: number, to: number): Promise<void> {
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: to - from + 1 }, (_, i) => from + i).map((id) => ({
      id,
      vector: { text: [id, 1, 0, 0] },
      payload: { n: id },
    })),
  });
}

async function aliasTarget(alias: string): Promise<string | undefined> {
  const { aliases } = await qdrant.client.getAliases();
  return aliases.find((a) => a.alias_name === alias)?.collection_name;
}

/** The ids behind `collection`, sorted, and the size of its `text` vector. */
async function contents(collection: string): Promise<{ ids: number[]; size: unknown }> {
  const { points } = await qdrant.client.scroll(collection, { limit: 100, with_payload: true });
  const info = await qdrant.client.getCollection(collection);
  const vectors = info.config.params.vectors as Record<string, { size: number }>;
  return { ids: points.map((p) => Number(p.id)).sort((a, b) => a - b), size: vectors.text?.size };
}

/**
 * A migration that widens `text` to 8 by blue-green; its down reverts the
 * alias, checks it went back to `_v1`, then runs `afterRevert`.
 */
const widen = (
  name: string,
  afterRevert: () => Promise<void> = async () => {},
): MigrationDefinition =>
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
        const result = await schema.revertAlias(name);
        if (!result.changed || result.collection !== `${name}_v1`) {
          throw new Error(`unexpected revertAlias result ${JSON.stringify(result)}`);
        }
        await afterRevert();
      },
    },
  });

describe("revertAlias", () => {
  it("up → down → up → down: each down points the alias back at the collection its up switched from, with the data written meanwhile", async () => {
    const name = uniqueName("ra_cycle");
    await aliased(name);
    engine.addMigration("001_widen", widen(name));
    const migrator = engine.migrator();

    expect((await migrator.up()).error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v2`);
    expect(await contents(name)).toEqual({ ids: range(1, POINTS), size: 8 });

    expect((await migrator.down()).error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
    expect(await contents(name)).toEqual({ ids: range(1, POINTS), size: 4 });
    // The application writes through the alias while the change is reverted: into _v1 only.
    await writePoints(name, POINTS + 1, POINTS + 3);

    // _v2 is still there (stale: it lacks the new points), so the next version is _v3.
    expect((await migrator.up()).error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v3`);
    expect(await contents(name)).toEqual({ ids: range(1, POINTS + 3), size: 8 });

    // Not "current minus one" (the stale _v2): the _v1 this up switched from.
    expect((await migrator.down()).error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
    expect(await contents(name)).toEqual({ ids: range(1, POINTS + 3), size: 4 });
  });

  it("a down that fails after revertAlias is rolled back: the alias points where the up left it", async () => {
    const name = uniqueName("ra_fail");
    await aliased(name);
    engine.addMigration(
      "001_widen",
      widen(name, async () => {
        throw new Error("down says no");
      }),
    );
    const migrator = engine.migrator();
    expect((await migrator.up()).error).toBeUndefined();

    const result = await migrator.down();
    expect(result.error?.code, result.error?.message).toBe("MIGRATION_FAILED");
    expect(result.error?.message).toContain("down says no");
    expect(await aliasTarget(name)).toBe(`${name}_v2`);
    expect(await contents(name)).toEqual({ ids: range(1, POINTS), size: 8 });
    expect((await migrator.status()).migrations[0]?.state).toBe("applied");
  });

  it("refuses with ALIAS_REVERT_REFUSED naming alias and migration when the up recorded no change of that alias, and the down is rolled back", async () => {
    const name = uniqueName("ra_none");
    await aliased(name);
    engine.addMigration(
      "001_index_only",
      defineMigration({
        qdrant: {
          up: async ({ schema }) => {
            await schema.createPayloadIndex(name, "n", "integer");
          },
          down: async ({ schema }) => {
            await schema.revertAlias(name);
          },
        },
      }),
    );
    const migrator = engine.migrator();
    expect((await migrator.up()).error).toBeUndefined();

    const result = await migrator.down();
    expect(result.error?.code, result.error?.message).toBe("MIGRATION_FAILED");
    expect(result.error?.cause).toBeInstanceOf(AliasRevertError);
    expect(result.error?.cause).toMatchObject({ code: "ALIAS_REVERT_REFUSED" });
    expect(result.error?.message).toContain(`revertAlias("${name}")`);
    expect(result.error?.message).toContain("001_index_only");
    expect(result.error?.message).toContain("recorded no change of the alias");
    // Still applied, alias untouched.
    expect(
      (await migrator.status()).migrations.find((m) => m.name === "001_index_only")?.state,
    ).toBe("applied");
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
  });

  it("refuses in an up step with ALIAS_REVERT_REFUSED, before any alias changes", async () => {
    const name = uniqueName("ra_up");
    await aliased(name);
    engine.addMigration(
      "001_wrong_step",
      defineMigration({
        qdrant: {
          up: async ({ schema }) => {
            await schema.revertAlias(name);
          },
          down: async () => {},
        },
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code, result.error?.message).toBe("MIGRATION_FAILED");
    expect(result.error?.cause).toBeInstanceOf(AliasRevertError);
    expect(result.error?.message).toContain("belongs in a down step");
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
