import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition, type StepContext } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import {
  IN_PLACE_VECTORS,
  needsQdrant,
  type TestQdrant,
  uniqueName,
  useQdrant,
  useQdrantReporting,
} from "./harness/qdrant.js";

const inPlace = await needsQdrant(IN_PLACE_VECTORS);

// Issue 10: addVector/removeVector in place on Qdrant 1.18+, and by blue-green
// behind the alias on an older server; the same migration on both.
const database = useTestDatabase();
const current = useQdrant();
// Below 1.18 the blue-green path runs on the real server itself; on a newer
// one (or the in-process server) on an in-process server claiming 1.17.1.
const older = inPlace.skip ? current : useQdrantReporting("1.17.1");
const onCurrent = useEngineProject(database, current, { migrations: "in code" });
const onOlder = inPlace.skip
  ? onCurrent
  : useEngineProject(database, older, { migrations: "in code" });

const POINTS = 60;
const DIM = 384;
const MEMORY_VECTORS = ["content", "emotion", "semantic"] as const;

/** A unit vector (exact under Cosine's normalization, so points compare equal after a copy). */
function unit(position: number): number[] {
  const v = new Array<number>(DIM).fill(0);
  v[position % DIM] = 1;
  return v;
}

/**
 * A per-bot memory collection as deployments have it: `<name>_v1` behind the
 * alias `<name>`, three named 384-d vectors, keyword/float/integer indexes.
 */
async function seedMemory(qdrant: TestQdrant, name: string): Promise<void> {
  const { client } = qdrant;
  const physical = `${name}_v1`;
  await client.createCollection(physical, {
    vectors: Object.fromEntries(
      MEMORY_VECTORS.map((v) => [v, { size: DIM, distance: "Cosine" as const }]),
    ),
  });
  for (const [field, schema] of [
    ["user_id", "keyword"],
    ["timestamp_unix", "float"],
    ["content_hash", "integer"],
  ] as const) {
    await client.createPayloadIndex(physical, {
      field_name: field,
      field_schema: schema,
      wait: true,
    });
  }
  await client.upsert(physical, {
    wait: true,
    points: Array.from({ length: POINTS }, (_, i) => ({
      id: i + 1,
      vector: Object.fromEntries(MEMORY_VECTORS.map((v, k) => [v, unit(i * 3 + k)])),
      payload: {
        user_id: `user_${i % 4}`,
        timestamp_unix: 1_767_225_600.5 + i,
        content_hash: 7919 * (i + 1),
        text: `memory ${i + 1}`,
      },
    })),
  });
  await client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: name, collection_name: physical } }],
  });
}

/** Points (sorted by id), vector names, payload index types, and where the alias points. */
async function stateOf(qdrant: TestQdrant, name: string, collection = name) {
  const { client } = qdrant;
  const info = await client.getCollection(collection);
  const { points } = await client.scroll(collection, {
    limit: POINTS + 1,
    with_payload: true,
    with_vector: true,
  });
  const { aliases } = await client.getAliases();
  return {
    points: points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload })),
    vectors: info.config.params.vectors as Record<string, { size: number; distance: string }>,
    indexes: Object.fromEntries(
      Object.entries(info.payload_schema).map(([field, index]) => [field, index?.data_type]),
    ),
    alias: aliases.find((a) => a.alias_name === name)?.collection_name,
  };
}

async function exists(qdrant: TestQdrant, collection: string): Promise<boolean> {
  return (await qdrant.client.collectionExists(collection)).exists;
}

/** A migration whose Qdrant step runs `body` with the step's `schema`. */
const migration = (
  name: string,
  body: (schema: StepContext["schema"]) => Promise<unknown>,
): MigrationDefinition =>
  defineMigration({
    collections: [name],
    qdrant: {
      up: async ({ schema }) => {
        await body(schema);
      },
      down: async () => {},
    },
  });

const ADD_RELATIONSHIP = (name: string) => (schema: StepContext["schema"]) =>
  schema.addVector(name, "relationship", { dense: { size: DIM, distance: "Cosine" } });

/** `before` with the vectors of each point as `vectors(old)` makes them. */
function withVectors(
  before: Awaited<ReturnType<typeof stateOf>>["points"],
  vectors: (old: Record<string, number[]>) => Record<string, number[]>,
) {
  return before.map((p) => ({ ...p, vector: vectors(p.vector as Record<string, number[]>) }));
}

describe("a per-bot memory collection gains a fourth vector, relationship", () => {
  it.skipIf(inPlace.skip)(
    `in place on Qdrant 1.18+: the alias's collection gets it, and everything else stays${inPlace.reason}`,
    async () => {
      const name = `memory_${uniqueName("bot")}`;
      await seedMemory(current, name);
      const before = await stateOf(current, name);
      onCurrent.addMigration("001_relationship", migration(name, ADD_RELATIONSHIP(name)));
      const result = await onCurrent.migrator().up();
      expect(result.error).toBeUndefined();

      const after = await stateOf(current, name);
      expect(after.alias).toBe(`${name}_v1`);
      expect(await exists(current, `${name}_v2`)).toBe(false);
      expect(Object.keys(after.vectors).sort()).toEqual([...MEMORY_VECTORS, "relationship"].sort());
      expect(after.vectors.relationship).toMatchObject({ size: DIM, distance: "Cosine" });
      expect(after.indexes).toEqual({
        user_id: "keyword",
        timestamp_unix: "float",
        content_hash: "integer",
      });
      expect(after.points).toEqual(before.points);
    },
  );

  it("by blue-green before Qdrant 1.18: <name>_v2 gets it and every point, the alias switches, <name>_v1 stays", async () => {
    const name = `memory_${uniqueName("bot")}`;
    await seedMemory(older, name);
    const before = await stateOf(older, name);
    onOlder.addMigration("001_relationship", migration(name, ADD_RELATIONSHIP(name)));
    const result = await onOlder.migrator().up();
    expect(result.error).toBeUndefined();

    const after = await stateOf(older, name);
    expect(after.alias).toBe(`${name}_v2`);
    expect(Object.keys(after.vectors).sort()).toEqual([...MEMORY_VECTORS, "relationship"].sort());
    expect(after.vectors.relationship).toMatchObject({ size: DIM, distance: "Cosine" });
    expect(after.indexes).toEqual(before.indexes);
    // No transform: the copied points have no relationship vector yet.
    expect(after.points).toEqual(before.points);
    // The old version, untouched, for a rollback by alias switch.
    expect(await stateOf(older, name, `${name}_v1`)).toEqual({ ...before, alias: `${name}_v2` });
    // Run again (a new migration asking the same), it finds the vector there.
    onOlder.addMigration("002_again", migration(name, ADD_RELATIONSHIP(name)));
    expect((await onOlder.migrator().up()).error).toBeUndefined();
    expect(await exists(older, `${name}_v3`)).toBe(false);
  });

  it("by blue-green before Qdrant 1.18 with a transform: every copied point gets the new vector", async () => {
    const name = `memory_${uniqueName("bot")}`;
    await seedMemory(older, name);
    const before = await stateOf(older, name);
    onOlder.addMigration(
      "001_relationship",
      migration(name, (schema) =>
        schema.addVector(
          name,
          "relationship",
          { dense: { size: DIM, distance: "Cosine" } },
          {
            transform: (p) => {
              // The seeded points have named vectors only.
              const vectors = p.vector as Record<string, number[]>;
              return { ...p, vector: { ...vectors, relationship: vectors.semantic } };
            },
          },
        ),
      ),
    );
    expect((await onOlder.migrator().up()).error).toBeUndefined();
    const after = await stateOf(older, name);
    expect(after.alias).toBe(`${name}_v2`);
    expect(after.points).toEqual(
      withVectors(before.points, (v) => ({ ...v, relationship: v.semantic as number[] })),
    );
  });
});

describe("removeVector on Qdrant 1.17", () => {
  it("drops the vector from <name>_v2 and from every copied point, switches the alias, keeps <name>_v1", async () => {
    const name = `memory_${uniqueName("bot")}`;
    await seedMemory(older, name);
    const before = await stateOf(older, name);
    onOlder.addMigration(
      "001_no_emotion",
      migration(name, (schema) => schema.removeVector(name, "emotion")),
    );
    expect((await onOlder.migrator().up()).error).toBeUndefined();

    const after = await stateOf(older, name);
    expect(after.alias).toBe(`${name}_v2`);
    expect(Object.keys(after.vectors).sort()).toEqual(["content", "semantic"]);
    expect(after.indexes).toEqual(before.indexes);
    expect(after.points).toEqual(
      withVectors(before.points, ({ emotion: _dropped, ...rest }) => rest),
    );
    expect(await stateOf(older, name, `${name}_v1`)).toEqual({ ...before, alias: `${name}_v2` });
  });

  it("rollback of a failing migration puts the alias back on <name>_v1 and drops <name>_v2", async () => {
    const name = `memory_${uniqueName("bot")}`;
    await seedMemory(older, name);
    const before = await stateOf(older, name);
    onOlder.addMigration(
      "001_no_emotion",
      defineMigration({
        qdrant: {
          up: async ({ schema }) => {
            await schema.removeVector(name, "emotion");
          },
          down: async () => {},
        },
        verify: async () => {
          throw new Error("verify says no");
        },
      }),
    );
    const result = await onOlder.migrator().up();
    expect(result.error?.message).toContain("verify says no");
    expect(await exists(older, `${name}_v2`)).toBe(false);
    expect(await stateOf(older, name)).toEqual(before);
  });
});
