import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SchemaVersions } from "../src/journal/schema-versions.js";
import { type JournalDatabase, journalTables } from "../src/journal/table-types.js";
import { ensureJournalTables } from "../src/journal/tables.js";
import { useTestDatabase } from "./harness/database.js";

const database = useTestDatabase();
const tables = journalTables("ops", "app_");
let db: Kysely<JournalDatabase>;
let versions: SchemaVersions;

beforeAll(async () => {
  db = new Kysely<JournalDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
  });
  await ensureJournalTables(db, tables);
  versions = new SchemaVersions(db, tables);
});

afterAll(async () => {
  await db?.destroy();
});

const state = (collectionName: string, size: number, lastMigration = "0001_init") => ({
  collectionName,
  vectorsConfig: { dense: { size, distance: "Cosine" } },
  payloadSchema: { tenant: { data_type: "keyword" } },
  aliases: [`${collectionName}_live`],
  config: { shard_number: 1 },
  lastMigration,
});

describe("SchemaVersions.record", () => {
  it("records a new collection at version 1", async () => {
    expect(await versions.record(state("first", 4))).toBe(1);
    expect(await versions.get("first")).toEqual({
      ...state("first", 4),
      schemaVersion: 1,
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    });
  });

  it("increments the version and replaces the recorded schema", async () => {
    await versions.record(state("grows", 4));
    expect(await versions.record(state("grows", 8, "0002_resize"))).toBe(2);
    expect(await versions.get("grows")).toMatchObject({
      schemaVersion: 2,
      vectorsConfig: { dense: { size: 8, distance: "Cosine" } },
      lastMigration: "0002_resize",
    });
  });

  it("leaves the record unchanged when its transaction rolls back", async () => {
    await versions.record(state("kept", 4));
    await expect(
      db.transaction().execute(async (trx) => {
        expect(await versions.record(state("kept", 8, "0002_resize"), { db: trx })).toBe(2);
        throw new Error("postgres step failed");
      }),
    ).rejects.toThrow("postgres step failed");
    expect(await versions.get("kept")).toMatchObject({
      schemaVersion: 1,
      lastMigration: "0001_init",
    });
  });

  it("stores a missing config as null", async () => {
    await versions.record({ ...state("bare", 4), payloadSchema: undefined, config: undefined });
    expect(await versions.get("bare")).toMatchObject({ payloadSchema: null, config: null });
  });
});

describe("SchemaVersions reads and removal", () => {
  it("lists collections by name", async () => {
    const local = new SchemaVersions(db, journalTables("ops", "listing_"));
    await ensureJournalTables(db, journalTables("ops", "listing_"));
    await local.record(state("zeta", 4));
    await local.record(state("alpha", 4));
    expect((await local.list()).map((r) => r.collectionName)).toEqual(["alpha", "zeta"]);
  });

  it("returns undefined for a collection never recorded", async () => {
    expect(await versions.get("never")).toBeUndefined();
  });

  it("removes a collection, only when its transaction commits", async () => {
    await versions.record(state("dropped", 4));
    await expect(
      db.transaction().execute(async (trx) => {
        await versions.remove("dropped", { db: trx });
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await versions.get("dropped")).toBeDefined();
    await versions.remove("dropped");
    expect(await versions.get("dropped")).toBeUndefined();
  });

  it("writes to the configured schema and prefixed table", async () => {
    await versions.record(state("placed", 4));
    const { rows } = await sqlRows(
      "SELECT schema_version FROM ops.app_schema_versions WHERE collection_name = 'placed'",
    );
    expect(rows).toEqual([{ schema_version: 1 }]);
  });
});

async function sqlRows(text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}
