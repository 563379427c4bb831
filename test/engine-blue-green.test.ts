import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition, type StepContext } from "../src/index.js";
import { BlueGreenInvalidError, CollectionNotAliasedError } from "../src/toolkit/schema/errors.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { interceptingClient, stepContext, useJournalKysely } from "./harness/step-context.js";

// Blue-green changes through ctx.schema: a new `<name>_v<N>`, a copy, one
// alias switch; and what the engine does with them when the migration fails.
const database = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(database, qdrant, { migrations: "in code" });
const journal = useJournalKysely(database);

const POINTS = 40;

/** `collection` with vectors `text` (4, Cosine) and `tag` (2, Dot), an index on `kind`, `POINTS` points. */
async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, {
    vectors: { text: { size: 4, distance: "Cosine" }, tag: { size: 2, distance: "Dot" } },
  });
  await qdrant.client.createPayloadIndex(collection, {
    field_name: "kind",
    field_schema: "keyword",
    wait: true,
  });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: POINTS }, (_, i) => i + 1).map((id) => ({
      id,
      vector: { text: [id, 1, 0, 0], tag: [id, 1] },
      payload: { kind: id % 2 ? "a" : "b", n: id },
    })),
  });
}

/** `name` as an alias of `name_v1`, seeded. */
async function aliased(name: string): Promise<void> {
  await seed(`${name}_v1`);
  await qdrant.client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: name, collection_name: `${name}_v1` } }],
  });
}

async function aliasTarget(alias: string): Promise<string | undefined> {
  const { aliases } = await qdrant.client.getAliases();
  return aliases.find((a) => a.alias_name === alias)?.collection_name;
}

async function physical(collection: string): Promise<boolean> {
  const { collections } = await qdrant.client.getCollections();
  return collections.some((c) => c.name === collection);
}

async function vectorsOf(collection: string) {
  return (await qdrant.client.getCollection(collection)).config.params.vectors;
}

/** A migration whose Qdrant step runs `up`, then fails in verify unless `succeed`. */
const migration = (up: (ctx: StepContext) => Promise<void>, succeed = false): MigrationDefinition =>
  defineMigration({
    qdrant: { up, down: async () => {} },
    verify: async () => {
      if (!succeed) throw new Error("verify says no");
    },
  });

describe("changeVector", () => {
  it("copies into <name>_v2 with the new size, switches the alias in one request, and the old collection stays", async () => {
    const name = uniqueName("bg_switch");
    await aliased(name);
    const aliasCalls: unknown[] = [];
    const client = interceptingClient(qdrant.client, "updateCollectionAliases", (args) => {
      aliasCalls.push(args[0]);
      return undefined;
    });
    const ctx = stepContext({ qdrant: client, db: journal.db, name: "001_widen" });
    const result = await ctx.schema.changeVector(
      name,
      "text",
      { size: 8 },
      {
        transform: (p) => {
          const v = p.vector as Record<string, number[]>;
          return { ...p, vector: { ...v, text: [...(v.text ?? []), ...(v.text ?? [])] } };
        },
        batchSize: 16,
      },
    );
    expect(result).toMatchObject({
      changed: true,
      alias: name,
      previous: `${name}_v1`,
      collection: `${name}_v2`,
      adopted: false,
      copy: { copied: POINTS, count: POINTS },
    });
    expect(aliasCalls).toEqual([
      {
        actions: [
          { delete_alias: { alias_name: name } },
          { create_alias: { alias_name: name, collection_name: `${name}_v2` } },
        ],
      },
    ]);
    expect(await aliasTarget(name)).toBe(`${name}_v2`);
    expect(await vectorsOf(`${name}_v2`)).toMatchObject({
      text: { size: 8, distance: "Cosine" },
      tag: { size: 2, distance: "Dot" },
    });
    const v2 = await qdrant.client.getCollection(`${name}_v2`);
    expect(Object.keys(v2.payload_schema)).toEqual(["kind"]);
    // The old version, untouched.
    expect(await vectorsOf(`${name}_v1`)).toMatchObject({ text: { size: 4 } });
    expect((await qdrant.client.count(`${name}_v1`, { exact: true })).count).toBe(POINTS);
    // Asked again, it finds the alias's collection already as wanted.
    const again = await ctx.schema.changeVector(name, "text", { size: 8 });
    expect(again).toMatchObject({ changed: false, collection: `${name}_v2` });
  });

  it("refuses a size change without a transform, before creating anything", async () => {
    const name = uniqueName("bg_notransform");
    await aliased(name);
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_widen" });
    const error = await ctx.schema.changeVector(name, "text", { size: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueGreenInvalidError);
    expect((error as Error).message).toContain('vector "text"');
    expect((error as Error).message).toContain("transform");
    expect(await physical(`${name}_v2`)).toBe(false);
  });

  it("rollback of a failing migration after changeVector puts the alias back and drops <name>_v2", async () => {
    const name = uniqueName("bg_rollback");
    await aliased(name);
    engine.addMigration(
      "001_widen",
      migration(async ({ schema }) => {
        await schema.changeVector(
          name,
          "text",
          { size: 8 },
          {
            // `text` 8-dimensional: the old 4 values twice.
            transform: (p) => {
              const v = p.vector as Record<string, number[]>;
              return { ...p, vector: { ...v, text: [...(v.text ?? []), ...(v.text ?? [])] } };
            },
          },
        );
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code, result.error?.message).toBe("MIGRATION_FAILED");
    expect(result.error?.message).toContain("verify says no");
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
    expect(await physical(`${name}_v2`)).toBe(false);
    expect((await qdrant.client.count(name, { exact: true })).count).toBe(POINTS);
  });
});

describe("adopting a physical collection", () => {
  it("is refused by default with COLLECTION_NOT_ALIASED naming the write freeze, and nothing changes", async () => {
    const name = uniqueName("bg_refuse");
    await seed(name);
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_widen" });
    const error = await ctx.schema
      .changeVector(name, "tag", { distance: "Cosine" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollectionNotAliasedError);
    expect((error as Error).message).toContain(`"${name}" is a physical collection`);
    expect((error as Error).message).toContain("adoptPhysical");
    expect((error as Error).message).toContain("pause every writer");
    expect(await physical(name)).toBe(true);
    expect(await physical(`${name}_v1`)).toBe(false);
  });

  it("with adoptPhysical, copies into <name>_v1, drops the physical collection and creates the alias", async () => {
    const name = uniqueName("bg_adopt");
    await seed(name);
    engine.addMigration(
      "001_adopt",
      migration(async ({ schema }) => {
        await schema.changeVector(name, "tag", { distance: "Cosine" }, { adoptPhysical: true });
      }, true),
    );
    const result = await engine.migrator().up();
    expect(result.error).toBeUndefined();
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
    expect(await physical(name)).toBe(false);
    expect(await vectorsOf(name)).toMatchObject({ tag: { distance: "Cosine" } });
    expect((await qdrant.client.count(name, { exact: true })).count).toBe(POINTS);
  });

  it("rollback of adoptPhysical restores the physical collection from its snapshot and drops the alias and <name>_v1", async () => {
    const name = uniqueName("bg_adopt_rb");
    await seed(name);
    const before = await qdrant.client.scroll(name, {
      limit: POINTS + 1,
      with_payload: true,
      with_vector: true,
    });
    engine.addMigration(
      "001_adopt",
      migration(async ({ schema }) => {
        await schema.changeVector(name, "tag", { distance: "Cosine" }, { adoptPhysical: true });
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code, result.error?.message).toBe("MIGRATION_FAILED");
    expect(await aliasTarget(name)).toBeUndefined();
    expect(await physical(name)).toBe(true);
    expect(await physical(`${name}_v1`)).toBe(false);
    const info = await qdrant.client.getCollection(name);
    expect(info.config.params.vectors).toMatchObject({ tag: { distance: "Dot" } });
    expect(Object.keys(info.payload_schema)).toEqual(["kind"]);
    const after = await qdrant.client.scroll(name, {
      limit: POINTS + 1,
      with_payload: true,
      with_vector: true,
    });
    expect(after.points).toEqual(before.points);
  });
});

describe("a failure in the middle of a copy", () => {
  it("leaves the original untouched and still served by its alias, and drops the half-filled <name>_v2", async () => {
    const name = uniqueName("bg_midcopy");
    await aliased(name);
    const everything = { limit: POINTS + 1, with_payload: true, with_vector: true };
    const before = await qdrant.client.scroll(`${name}_v1`, everything);
    let copying = false;
    let done = false;
    let queriesWhileCopying = 0;
    let halfFilled: number | undefined;
    const failures: string[] = [];
    const poll = (async () => {
      while (!done) {
        const during = copying;
        try {
          await qdrant.client.query(name, { query: [1, 1, 0, 0], using: "text", limit: 3 });
          if (during) queriesWhileCopying++;
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    })();
    const probe = async (point: "copying" | "failing") => {
      if (point === "copying") {
        copying = true;
        // Let the alias answer at least once while the copy runs.
        while (queriesWhileCopying === 0 && failures.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      if (point === "failing") {
        halfFilled = (await qdrant.client.count(`${name}_v2`, { exact: true })).count;
      }
    };
    // The transform fails at the 21st of 40 points, with two batches of 8 written.
    engine.addMigration(
      "001_recolor",
      migration(async ({ schema }) => {
        let seen = 0;
        await schema.blueGreen(
          name,
          {
            vectors: {
              text: { size: 4, distance: "Cosine" },
              tag: { size: 2, distance: "Cosine" },
            },
          },
          {
            batchSize: 8,
            concurrency: 1,
            transform: async (p) => {
              seen++;
              if (seen === 1) await probe("copying");
              if (seen > POINTS / 2) {
                await probe("failing");
                throw new Error("embedding service down");
              }
              return p;
            },
          },
        );
      }, true),
    );
    const result = await engine.migrator().up();
    done = true;
    await poll;

    expect(result.error?.code, result.error?.message).toBe("MIGRATION_FAILED");
    expect(result.error?.message).toContain("embedding service down");
    expect(halfFilled).toBe(16);
    expect(await physical(`${name}_v2`)).toBe(false);
    expect(await aliasTarget(name)).toBe(`${name}_v1`);
    expect(await qdrant.client.scroll(`${name}_v1`, everything)).toEqual(before);
    expect(await vectorsOf(`${name}_v1`)).toMatchObject({ tag: { distance: "Dot" } });
    expect(failures).toEqual([]);
    expect(queriesWhileCopying).toBeGreaterThan(0);
  });
});
