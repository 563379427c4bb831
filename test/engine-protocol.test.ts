import { describe, expect, it } from "vitest";
import type { MigratorEvent } from "../src/engine/events.js";
import { defineMigration, type Migrator } from "../src/index.js";
import { captureCollectionState } from "./harness/collection-state.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { COLLECTION_METADATA, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

const metadata = await needsQdrant(COLLECTION_METADATA);
const db = useTestDatabase();
const qdrant = useQdrant();

const engine = useEngineProject(db, qdrant, { migrations: "in code" });
// A malformed file and a changed file are about the file itself: those two tests
// write migrations to the project's folder.
const files = useEngineProject(db, qdrant);

function migrator(events: MigratorEvent[] = [], harness = engine): Migrator {
  return harness.migrator({
    onEvent: (e) => {
      events.push(e);
    },
  });
}

async function tableExists(name: string): Promise<boolean> {
  const rows = await queryRows<{ t: string | null }>(db.url, "SELECT to_regclass($1)::text AS t", [
    name,
  ]);
  return rows[0]?.t !== null && rows[0]?.t !== undefined;
}

describe("engine protocol", () => {
  it("applies a paired migration: Postgres step, Qdrant step, journal and schema version", async () => {
    const collection = uniqueName("docs");
    const table = uniqueName("docs");
    engine.addMigration(
      "001_create",
      defineMigration({
        postgres: {
          up: async ({ db }) => {
            await db.schema.createTable(table).addColumn("id", "integer").execute();
          },
          down: async ({ db }) => {
            await db.schema.dropTable(table).execute();
          },
        },
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection(collection, {
              vectors: { text: { size: 4, distance: "Cosine" } },
            });
          },
          down: async ({ qdrant }) => {
            await qdrant.deleteCollection(collection);
          },
        },
      }),
    );
    const m = migrator();
    const result = await m.up();
    expect(result.error).toBeUndefined();
    expect(result.results).toEqual([
      expect.objectContaining({ name: "001_create", direction: "up", status: "success" }),
    ]);
    expect(await tableExists(table)).toBe(true);
    expect((await qdrant.client.collectionExists(collection)).exists).toBe(true);
    const [record] = await m.history();
    expect(record).toMatchObject({
      name: "001_create",
      status: "applied",
      counts: { createdCollections: 1 },
    });
    const { collections } = await m.status();
    expect(collections.find((c) => c.collectionName === collection)).toMatchObject({
      schemaVersion: 1,
      lastMigration: "001_create",
    });
    const info = await qdrant.client.getCollection(collection);
    if (metadata.skip) {
      // Before 1.16 there is no collection metadata: the version is only in the journal.
      expect(info.config.metadata ?? {}).toEqual({});
    } else {
      expect(info.config.metadata).toMatchObject({
        qdrant_migrate: { schema_version: 1, migration: "001_create" },
      });
    }
  });

  it("commits the in_progress journal row before the Qdrant step runs", async () => {
    const collection = uniqueName("docs");
    const seen: string[] = [];
    engine.addMigration(
      "002_probe_journal",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            const rows = await queryRows<{ status: string }>(
              db.url,
              `SELECT status FROM "${engine.prefix}migrations" WHERE name = '002_probe_journal'`,
            );
            seen.push(rows[0]?.status ?? "absent");
            await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
          },
          down: async ({ qdrant }) => {
            await qdrant.deleteCollection(collection);
          },
        },
      }),
    );
    const result = await migrator().up();
    expect(result.error).toBeUndefined();
    expect(seen).toEqual(["in_progress"]);
  });

  it("keeps the Postgres step uncommitted until the Qdrant step has succeeded", async () => {
    const table = uniqueName("t");
    const collection = uniqueName("docs");
    const visible: boolean[] = [];
    engine.addMigration(
      "001_probe_transaction",
      defineMigration({
        postgres: {
          up: async ({ db }) => {
            await db.schema.createTable(table).addColumn("id", "integer").execute();
          },
          down: async ({ db }) => {
            await db.schema.dropTable(table).execute();
          },
        },
        qdrant: {
          up: async ({ qdrant }) => {
            visible.push(await tableExists(table));
            await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
          },
          down: async ({ qdrant }) => {
            await qdrant.deleteCollection(collection);
          },
        },
      }),
    );
    const result = await migrator().up();
    expect(result.error).toBeUndefined();
    expect(visible).toEqual([false]);
    expect(await tableExists(table)).toBe(true);
  });

  it("snapshots an existing collection before its first change, once", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [{ id: 1, vector: [1, 0, 0, 0], payload: { n: 1 } }],
    });
    const events: MigratorEvent[] = [];
    let snapshotsBeforeWrite = -1;
    engine.addMigration(
      "001_touch",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            snapshotsBeforeWrite = events.filter((e) => e.type === "snapshot-taken").length;
            await Promise.all(
              [2, 3, 4].map((id) =>
                qdrant.upsert(collection, {
                  points: [{ id, vector: [0, 1, 0, 0], payload: { n: id } }],
                }),
              ),
            );
          },
          down: async ({ qdrant }) => {
            await qdrant.delete(collection, { points: [2, 3, 4] });
          },
        },
      }),
    );
    const m = migrator(events);
    const result = await m.up();
    expect(result.error).toBeUndefined();
    expect(snapshotsBeforeWrite).toBe(0);
    const taken = events.filter((e) => e.type === "snapshot-taken");
    expect(taken).toHaveLength(1);
    const [record] = await engine.records();
    expect(record?.snapshots).toEqual([expect.objectContaining({ collection, pointsCount: 1 })]);
    const names = (await qdrant.client.listShardSnapshots(collection, 0)).map((s) => s.name);
    expect(names).toContain(record?.snapshots[0]?.replicas[0]?.snapshot);
    // The writes went through with wait=true: all are visible as soon as up() returns.
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(4);
  });

  it("leaves both stores exactly as they were when the Qdrant step fails", async () => {
    const table = uniqueName("t");
    const collection = uniqueName("docs");
    const alias = uniqueName("docs_alias");
    const created = uniqueName("new");
    await queryRows(db.url, `CREATE TABLE "${table}" (id integer primary key, title text)`);
    await queryRows(db.url, `INSERT INTO "${table}" VALUES (1, 'one'), (2, 'two')`);
    await qdrant.client.createCollection(collection, {
      vectors: { text: { size: 4, distance: "Cosine" } },
    });
    await qdrant.client.createPayloadIndex(collection, {
      field_name: "tenant",
      field_schema: "keyword",
      wait: true,
    });
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [
        { id: 1, vector: { text: [1, 0, 0, 0] }, payload: { tenant: "a", title: "one" } },
        { id: 2, vector: { text: [0, 1, 0, 0] }, payload: { tenant: "b", title: "two" } },
      ],
    });
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: collection, alias_name: alias } }],
    });
    const before = await captureCollectionState(qdrant.client, collection);
    const rowsBefore = await queryRows(db.url, `SELECT * FROM "${table}" ORDER BY id`);

    engine.addMigration(
      "001_breaks",
      defineMigration({
        postgres: {
          up: async ({ db }) => {
            await db.schema.alterTable(table).addColumn("extra", "text").execute();
            await db.insertInto(table).values({ id: 3, title: "three" }).execute();
            await db.deleteFrom(table).where("id", "=", 1).execute();
          },
          down: async () => {},
        },
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert(alias, {
              points: [{ id: 3, vector: { text: [0, 0, 1, 0] }, payload: { tenant: "c" } }],
            });
            await qdrant.delete(collection, { points: [1] });
            await qdrant.setPayload(collection, { points: [2], payload: { title: "changed" } });
            await qdrant.createPayloadIndex(collection, {
              field_name: "title",
              field_schema: "text",
            });
            await qdrant.createCollection(created, { vectors: { size: 4, distance: "Dot" } });
            await qdrant.updateCollectionAliases({
              actions: [
                { delete_alias: { alias_name: alias } },
                { create_alias: { collection_name: created, alias_name: alias } },
              ],
            });
            throw new Error("boom in the qdrant step");
          },
          down: async () => {},
        },
      }),
    );
    const m = migrator();
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(result.error?.message).toContain("boom in the qdrant step");
    expect(await captureCollectionState(qdrant.client, collection)).toEqual(before);
    expect((await qdrant.client.collectionExists(created)).exists).toBe(false);
    expect(await queryRows(db.url, `SELECT * FROM "${table}" ORDER BY id`)).toEqual(rowsBefore);
    const [record] = await m.history();
    expect(record).toMatchObject({ name: "001_breaks", status: "failed" });
    expect(record?.error).toContain("boom in the qdrant step");
  });

  it("rolls back like a failing step when verify fails", async () => {
    const table = uniqueName("t");
    const collection = uniqueName("docs");
    engine.addMigration(
      "001_unverified",
      defineMigration({
        postgres: {
          up: async ({ db }) => {
            await db.schema.createTable(table).addColumn("id", "integer").execute();
          },
          down: async ({ db }) => {
            await db.schema.dropTable(table).execute();
          },
        },
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
          },
          down: async ({ qdrant }) => {
            await qdrant.deleteCollection(collection);
          },
        },
        verify: async ({ qdrant }) => {
          const { count } = await qdrant.count(collection, { exact: true });
          if (count !== 10) throw new Error(`expected 10 points, found ${count}`);
        },
      }),
    );
    const result = await migrator().up();
    expect(result.error?.message).toContain("expected 10 points, found 0");
    expect(await tableExists(table)).toBe(false);
    expect((await qdrant.client.collectionExists(collection)).exists).toBe(false);
  });

  it("applies nothing when a pending migration file is malformed", async () => {
    const table = uniqueName("t");
    await files.project.writeMigration(
      "001_fine",
      `export default { postgres: {
        up: async ({ db }) => { await db.schema.createTable("${table}").addColumn("id", "integer").execute(); },
        down: async ({ db }) => { await db.schema.dropTable("${table}").execute(); },
      } };`,
    );
    const path = await files.project.writeMigration(
      "002_broken",
      "export default { postgres: { up: 42 } };",
    );
    const result = await migrator([], files).up();
    expect(result.error?.code).toBe("MIGRATION_FILE_INVALID");
    expect(result.error?.message).toContain(path);
    expect(result.results).toEqual([]);
    expect(await tableExists(table)).toBe(false);
  });

  it("refuses to run when an applied migration's file has changed", async () => {
    const source = (n: number) =>
      `export default { postgres: { up: async () => {}, down: async () => {} } }; // ${n}`;
    await files.project.writeMigration("001_first", source(1));
    const m = migrator([], files);
    expect((await m.up()).error).toBeUndefined();
    await files.project.writeMigration("001_first", source(2));
    await files.project.writeMigration("002_second", source(3));
    const result = await m.up();
    expect(result.error?.code).toBe("HISTORY_MISMATCH");
    expect(result.error?.message).toContain("001_first");
    expect((await m.status()).migrations.find((e) => e.name === "002_second")?.state).toBe(
      "pending",
    );
  });

  it("refuses to revert a migration whose Qdrant step has no down, unless from a snapshot", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [{ id: 1, vector: [1, 2, 3, 4] }],
    });
    const before = await captureCollectionState(qdrant.client, collection);
    engine.addMigration(
      "001_one_way",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert(collection, { points: [{ id: 2, vector: [4, 3, 2, 1] }] });
            await qdrant.createPayloadIndex(collection, {
              field_name: "k",
              field_schema: "keyword",
            });
          },
        },
      }),
    );
    const m = migrator();
    expect((await m.up()).error).toBeUndefined();
    const refused = await m.down();
    expect(refused.error?.code).toBe("MIGRATION_IRREVERSIBLE");
    expect(refused.error?.message).toContain("--from-snapshot");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(2);

    const reverted = await m.down({ fromSnapshot: true });
    expect(reverted.error).toBeUndefined();
    expect(await captureCollectionState(qdrant.client, collection, { withoutStamp: true })).toEqual(
      before,
    );
    expect((await m.status()).migrations[0]?.state).toBe("pending");
  });

  it("keeps a distinct snapshot per migration when two migrations touch one collection in one run", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    for (const [name, id] of [
      ["001_a", 1],
      ["002_b", 2],
    ] as const) {
      engine.addMigration(
        name,
        defineMigration({
          qdrant: {
            up: async ({ qdrant }) => {
              await qdrant.upsert(collection, { points: [{ id, vector: [1, 1, 1, 1] }] });
            },
            down: async ({ qdrant }) => {
              await qdrant.delete(collection, { points: [id] });
            },
          },
        }),
      );
    }
    const m = migrator();
    expect((await m.up()).error).toBeUndefined();
    const records = await engine.records();
    const names = records.map((r) => r.snapshots[0]?.replicas[0]?.snapshot);
    expect(new Set(names).size).toBe(2);
    expect(records.map((r) => r.snapshots[0]?.pointsCount)).toEqual([0, 1]);
    const onServer = (await qdrant.client.listShardSnapshots(collection, 0)).map((s) => s.name);
    for (const name of names) expect(onServer).toContain(name);
  });
});
