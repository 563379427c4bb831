import pg from "pg";
import { describe, expect, it } from "vitest";
import type { MigrationStep } from "../src/index.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

/** What an app's query sees while the probe runs: its row count, or the Postgres error code. */
async function appCount(table: string): Promise<string> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("SET lock_timeout = '300ms'");
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
    return `count ${rows[0]?.n}`;
  } catch (error) {
    return `error ${(error as { code?: string }).code}`;
  } finally {
    await client.end();
  }
}

const alterTable = (table: string): MigrationStep => ({
  up: async ({ db }) => {
    await db.schema.alterTable(table).addColumn("note", "text").execute();
  },
  down: async ({ db }) => {
    await db.schema.alterTable(table).dropColumn("note").execute();
  },
});

/** Creates `collection`, then awaits `probe` while the step still runs. */
const createCollection = (collection: string, probe: () => Promise<void>): MigrationStep => ({
  up: async ({ qdrant }) => {
    await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await probe();
  },
  down: async ({ qdrant }) => {
    await qdrant.deleteCollection(collection);
  },
});

describe("the migration's Postgres transaction and the Qdrant step (README: long Qdrant steps)", () => {
  it("holds the Postgres step's locks until the Qdrant step and verify are done", async () => {
    const table = uniqueName("t");
    await queryRows(db.url, `CREATE TABLE "${table}" (id int)`);
    let seen = "";
    engine.addMigration("001_both", {
      postgres: alterTable(table),
      qdrant: createCollection(uniqueName("c"), async () => {
        seen = await appCount(table);
      }),
    });
    expect((await engine.migrator().up()).error).toBeUndefined();
    // 55P03: lock_not_available. The app waited on the ALTER TABLE's lock.
    expect(seen).toBe("error 55P03");
  });

  it("holds no lock on the app's tables during a Qdrant-only migration that follows the Postgres one", async () => {
    const table = uniqueName("t");
    await queryRows(db.url, `CREATE TABLE "${table}" (id int)`);
    let seen = "";
    engine.addMigration("001_pg", { postgres: alterTable(table) });
    engine.addMigration("002_qdrant", {
      qdrant: createCollection(uniqueName("c"), async () => {
        seen = await appCount(table);
      }),
    });
    expect((await engine.migrator().up()).error).toBeUndefined();
    expect(seen).toBe("count 0");
  });
});
