import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition } from "../src/index.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 15: a step that hangs, an interrupt, or a dropped transaction
// connection ends in a rollback and a result, never a hang or a crash.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

async function tableExists(table: string): Promise<boolean> {
  const rows = await queryRows<{ t: string | null }>(db.url, "SELECT to_regclass($1)::text AS t", [
    table,
  ]);
  return rows[0]?.t !== null;
}

/**
 * Creates `table`, upserts a point into `collection`, awaits `probe`, then
 * `after` (the rest of the Qdrant step).
 */
const tableThenPoint = (
  table: string,
  collection: string,
  step: { probe?: () => Promise<void>; after?: () => Promise<void>; timeoutMs?: number } = {},
): MigrationDefinition =>
  defineMigration({
    ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}),
    postgres: {
      up: async ({ db }) => {
        await db.schema.createTable(table).addColumn("id", "integer").execute();
      },
      down: async () => {},
    },
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.upsert(collection, { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
        await step.probe?.();
        await step.after?.();
      },
      down: async () => {},
    },
  });

const hangForever = (): Promise<void> => new Promise(() => {});

async function docsCollection(): Promise<string> {
  const collection = uniqueName("docs");
  await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
  return collection;
}

describe("step limits", () => {
  it("returns a rolled-back result when the transaction's connection is terminated mid-run", async () => {
    const collection = await docsCollection();
    const table = uniqueName("t");
    engine.addMigration(
      "001_dropped",
      tableThenPoint(table, collection, {
        probe: async () => {
          // The migration's transaction, not the lock's session (the lock holder's name differs).
          await queryRows(
            db.url,
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = 'qdrant-migrate' AND state LIKE 'idle in transaction%'`,
          );
          await new Promise((r) => setTimeout(r, 300));
        },
      }),
    );
    const m = engine.migrator();
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(result.error?.message).toContain("lost its Postgres connection");
    expect(result.error?.message).not.toContain("fix the migration");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(0);
    expect(await tableExists(table)).toBe(false);
    expect((await m.status()).migrations[0]?.state).toBe("failed");
  });

  it("stops a Qdrant step that outlives the migration's timeoutMs, rolls back, and reports STEP_TIMEOUT", async () => {
    const collection = await docsCollection();
    const table = uniqueName("t");
    engine.addMigration(
      "001_hangs",
      tableThenPoint(table, collection, { after: hangForever, timeoutMs: 300 }),
    );
    const m = engine.migrator();
    const result = await m.up();
    expect(result.error?.code).toBe("STEP_TIMEOUT");
    expect(result.error?.message).toContain("Qdrant up step of migration 001_hangs");
    expect(result.error?.message).toContain("300 ms");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(0);
    expect(await tableExists(table)).toBe(false);
    expect((await m.status()).migrations[0]?.state).toBe("failed");
  });

  it("stops a Postgres step stuck in a query after the config's steps.timeoutMs", async () => {
    engine.addMigration(
      "001_sleeps",
      defineMigration({
        postgres: {
          up: async ({ db }) => {
            await db.selectNoFrom((eb) => eb.fn("pg_sleep", [eb.val(60)]).as("s")).execute();
          },
          down: async () => {},
        },
      }),
    );
    const started = Date.now();
    const result = await engine.migrator({}, { stepTimeoutMs: 500 }).up();
    expect(result.error?.code).toBe("STEP_TIMEOUT");
    expect(result.error?.message).toContain("Postgres up step of migration 001_sleeps");
    expect(Date.now() - started).toBeLessThan(15_000);
    const sleeping = await queryRows(
      db.url,
      "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
    );
    expect(sleeping).toEqual([]);
  });

  it("rolls back a step that never resolves as soon as the run is aborted", async () => {
    const collection = await docsCollection();
    const table = uniqueName("t");
    const controller = new AbortController();
    engine.addMigration(
      "001_hangs",
      tableThenPoint(table, collection, {
        probe: async () => {
          setTimeout(() => controller.abort(new Error("interrupted by SIGTERM")), 100);
        },
        after: hangForever,
      }),
    );
    const m = engine.migrator({ signal: controller.signal });
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(0);
    expect(await tableExists(table)).toBe(false);
  });
});
