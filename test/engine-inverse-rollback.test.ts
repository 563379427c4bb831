import { describe, expect, it } from "vitest";
import {
  defineMigration,
  type MigrationDefinition,
  type MigratorEvent,
  type StepContext,
} from "../src/index.js";
import { runCrashRunner } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Rollback that costs what the change costs: schema-only changes are undone
// by their exact inverse, journaled before the change, with no snapshot.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });
// The crash-runner child loads its migration from disk: that test writes a file.
const files = useEngineProject(db, qdrant);

/** Named vector `text`, an index on `lang`, four points. */
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
    points: [1, 2, 3, 4].map((id) => ({
      id,
      vector: { text: [id, 0, 0, 1] },
      payload: { lang: id % 2 ? "en" : "de", n: id },
    })),
  });
}

/** What a rollback must put back: points with vectors and payloads, vector names, indexes, HNSW m. */
async function stateOf(collection: string) {
  const info = await qdrant.client.getCollection(collection);
  const { points } = await qdrant.client.scroll(collection, {
    limit: 1_000,
    with_payload: true,
    with_vector: true,
  });
  return {
    points: points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload })),
    vectors: Object.keys(info.config.params.vectors ?? {}).sort(),
    indexes: info.payload_schema,
    hnswM: info.config.hnsw_config.m,
  };
}

async function shardSnapshots(collection: string): Promise<number> {
  return (await qdrant.client.listShardSnapshots(collection, 0)).length;
}

/** A migration whose Qdrant step runs `body`, then fails in verify. */
const failingAfter = (
  body: (qdrant: StepContext["qdrant"]) => Promise<void>,
  extra: Pick<MigrationDefinition, "snapshot"> = {},
): MigrationDefinition =>
  defineMigration({
    ...extra,
    qdrant: { up: ({ qdrant }) => body(qdrant), down: async () => {} },
    verify: async () => {
      throw new Error("verify says no");
    },
  });

describe("rollback by inverse operations", () => {
  it("undoes an added payload index, an added named vector and dropped index without a snapshot", async () => {
    const collection = uniqueName("inv_schema");
    await seed(collection);
    const before = await stateOf(collection);
    engine.addMigration(
      "001_schema",
      failingAfter(async (qdrant) => {
        await qdrant.createPayloadIndex(collection, { field_name: "n", field_schema: "integer" });
        await qdrant.createVectorName(collection, "image", {
          dense: { size: 2, distance: "Cosine" },
        });
        await qdrant.deletePayloadIndex(collection, "lang");
      }),
    );
    const events: MigratorEvent[] = [];
    const m = engine.migrator({ onEvent: (e) => void events.push(e) });
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await stateOf(collection)).toEqual(before);
    expect(events.filter((e) => e.type === "snapshot-taking")).toEqual([]);
    expect(await shardSnapshots(collection)).toBe(0);
    const [row] = await engine.records();
    expect(row?.schemasBefore.map((s) => s.collection)).toEqual([collection]);
    expect(row?.snapshots).toEqual([]);
  });

  it("puts back the previous collection settings after an update", async () => {
    const collection = uniqueName("inv_settings");
    await seed(collection);
    const before = await stateOf(collection);
    engine.addMigration(
      "001_settings",
      failingAfter(async (qdrant) => {
        await qdrant.updateCollection(collection, { hnsw_config: { m: before.hnswM + 8 } });
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await stateOf(collection)).toEqual(before);
    expect(await shardSnapshots(collection)).toBe(0);
  });

  it("turns strict mode back off after a migration turned it on", async () => {
    const collection = uniqueName("inv_strict");
    await seed(collection);
    engine.addMigration(
      "001_strict",
      failingAfter(async (qdrant) => {
        await qdrant.updateCollection(collection, {
          strict_mode_config: { enabled: true, max_query_limit: 2 },
        });
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    const info = await qdrant.client.getCollection(collection);
    expect(info.config.strict_mode_config?.enabled ?? false).toBe(false);
    // A limit over the migration's cap is served again.
    expect((await qdrant.client.query(collection, { limit: 4 })).points).toHaveLength(4);
    expect(await shardSnapshots(collection)).toBe(0);
  });

  it("puts back strict-mode limits it changed, and names those it added, which Qdrant cannot unset", async () => {
    const collection = uniqueName("inv_strict_on");
    await seed(collection);
    await qdrant.client.updateCollection(collection, {
      strict_mode_config: { enabled: true, max_query_limit: 3 },
    });
    engine.addMigration(
      "001_strict",
      failingAfter(async (qdrant) => {
        await qdrant.updateCollection(collection, {
          strict_mode_config: { max_query_limit: 2, upsert_max_batchsize: 10 },
        });
      }),
    );
    const events: MigratorEvent[] = [];
    const result = await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    const info = await qdrant.client.getCollection(collection);
    expect(info.config.strict_mode_config).toMatchObject({ enabled: true, max_query_limit: 3 });
    const logged = events.flatMap((e) => (e.type === "log" ? [e.message] : []));
    expect(logged.filter((m) => m.includes("upsert_max_batchsize"))).toHaveLength(1);
  });

  it("puts back points within strict-mode limits, and the strict mode the migration turned off after them", async () => {
    const collection = uniqueName("inv_strict_points");
    await seed(collection);
    // More points than one strict-mode batch, for the rollback to write back.
    await qdrant.client.upsert(collection, {
      wait: true,
      points: Array.from({ length: 296 }, (_, i) => ({
        id: i + 5,
        vector: { text: [1, 0, 0, 0] },
        payload: { lang: "en", n: i + 5 },
      })),
    });
    await qdrant.client.updateCollection(collection, {
      strict_mode_config: { enabled: true, upsert_max_batchsize: 100 },
    });
    const before = await stateOf(collection);
    engine.addMigration(
      "001_bulk",
      failingAfter(async (qdrant) => {
        await qdrant.updateCollection(collection, { strict_mode_config: { enabled: false } });
        const points = Array.from({ length: 300 }, (_, i) => ({
          id: i + 1,
          vector: { text: [0, 1, 0, 0] },
          payload: { lang: "xx" },
        }));
        await qdrant.upsert(collection, { wait: true, points });
      }),
    );
    const result = await engine.migrator().up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await stateOf(collection)).toEqual(before);
    const info = await qdrant.client.getCollection(collection);
    expect(info.config.strict_mode_config).toMatchObject({
      enabled: true,
      upsert_max_batchsize: 100,
    });
  });

  it("snapshots before the first write that destroys data, after schema changes, and restores both", async () => {
    const collection = uniqueName("inv_mixed");
    await seed(collection);
    const before = await stateOf(collection);
    engine.addMigration(
      "001_mixed",
      failingAfter(async (qdrant) => {
        await qdrant.createPayloadIndex(collection, { field_name: "n", field_schema: "integer" });
        await qdrant.delete(collection, { points: [1, 2] });
        await qdrant.setPayload(collection, { points: [3], payload: { lang: "fr" } });
      }),
    );
    const m = engine.migrator();
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await stateOf(collection)).toEqual(before);
    const [row] = await engine.records();
    // Taken at the delete: it holds the index the step had added, which the inverse removes.
    expect(row?.snapshots.map((s) => Object.keys(s.payloadSchema).sort())).toEqual([["lang", "n"]]);
  });

  it('snapshots before a schema-only change when the migration asks snapshot: "always"', async () => {
    const collection = uniqueName("inv_always");
    await seed(collection);
    engine.addMigration(
      "001_always",
      failingAfter(
        async (qdrant) => {
          await qdrant.createPayloadIndex(collection, { field_name: "n", field_schema: "integer" });
        },
        { snapshot: "always" },
      ),
    );
    const m = engine.migrator();
    expect((await m.up()).error?.code).toBe("MIGRATION_FAILED");
    expect((await engine.records())[0]?.snapshots.map((s) => s.collection)).toEqual([collection]);
    expect(
      Object.keys((await qdrant.client.getCollection(collection)).payload_schema ?? {}),
    ).toEqual(["lang"]);
  });

  it("a runner killed right after a schema-only change: the next up undoes it from the journal", async () => {
    const collection = uniqueName("inv_crash");
    await seed(collection);
    const before = await stateOf(collection);
    await files.project.writeMigration(
      "001_crash",
      `export default { qdrant: {
        up: async ({ qdrant }) => {
          await qdrant.createPayloadIndex("${collection}", { field_name: "n", field_schema: "integer" });
          if (process.env.QM_KILL_MID === "1") process.kill(process.pid, "SIGKILL");
          throw new Error("not this time");
        },
        down: async () => {},
      } };`,
    );
    const config = files.project.config({ tablePrefix: files.prefix });
    const child = await runCrashRunner([JSON.stringify(config), "none"], {
      env: { QM_KILL_MID: "1" },
    });
    expect(child.signal).toBe("SIGKILL");
    expect(
      Object.keys((await qdrant.client.getCollection(collection)).payload_schema ?? {}),
    ).toContain("n");
    const result = await files.migrator().up();
    expect(result.recovered).toEqual(["001_crash"]);
    expect(await stateOf(collection)).toEqual(before);
  });

  it("down --from-snapshot of a schema-only up undoes it by the inverse", async () => {
    const collection = uniqueName("inv_down");
    await seed(collection);
    const before = await stateOf(collection);
    engine.addMigration(
      "001_index",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createPayloadIndex(collection, {
              field_name: "n",
              field_schema: "integer",
            });
          },
        },
      }),
    );
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    expect((await stateOf(collection)).indexes).not.toEqual(before.indexes);
    const down = await m.down({ fromSnapshot: true });
    expect(down.error).toBeUndefined();
    expect(await stateOf(collection)).toEqual(before);
  });
});
