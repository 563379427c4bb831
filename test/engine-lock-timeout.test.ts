import pg from "pg";
import { describe, expect, it } from "vitest";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 22: a step waiting on a lock the application holds (an ALTER TABLE
// behind a long query) gives up after postgres.lockTimeoutMs, names what it
// waited on, and is rolled back in both stores.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);

/** An application session in the middle of a long read of `table`: it holds ACCESS SHARE until released. */
async function longReader(table: string): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: db.url, application_name: "app-report" });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`SELECT count(*) FROM "${table}"`);
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return {
    pid: rows[0]?.pid ?? 0,
    async release() {
      await client.query("ROLLBACK").catch(() => {});
      await client.end();
    },
  };
}

describe("postgres.lockTimeoutMs", () => {
  it("stops a step waiting on an application's lock with POSTGRES_LOCK_TIMEOUT naming the relation and the session, both stores as before", async () => {
    const table = uniqueName("orders").toLowerCase();
    const collection = uniqueName("docs");
    await queryRows(db.url, `CREATE TABLE "${table}" (id integer)`);
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [{ id: 1, vector: [1, 0, 0, 0], payload: { v: "before" } }],
    });
    await engine.project.writeMigration(
      "001_add_column",
      `export default {
        qdrant: {
          up: async ({ qdrant, db }) => {
            await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [0, 1, 0, 0], payload: { v: "after" } }] });
            await db.schema.alterTable("${table}").addColumn("note", "text").execute();
          },
          down: async () => {},
        },
      };`,
    );
    const reader = await longReader(table);
    try {
      const started = Date.now();
      const run = await engine.migrator({}, { postgresLockTimeoutMs: 1_000 }).up();
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(run.error?.code).toBe("POSTGRES_LOCK_TIMEOUT");
      const message = run.error?.message ?? "";
      expect(message).toContain("AccessExclusiveLock");
      expect(message).toContain(table);
      expect(message).toContain(`pid ${reader.pid} (app-report)`);
      expect(message).toContain("001_add_column");
    } finally {
      await reader.release();
    }
    const columns = await queryRows(
      db.url,
      "SELECT column_name FROM information_schema.columns WHERE table_name = $1",
      [table],
    );
    expect(columns).toEqual([{ column_name: "id" }]);
    const [point] = await qdrant.client.retrieve(collection, { ids: [1], with_payload: true });
    expect(point?.payload).toEqual({ v: "before" });
    const journal = await queryRows<{ status: string }>(
      db.url,
      `SELECT status FROM "${engine.prefix}migrations" WHERE name = '001_add_column'`,
    );
    expect(journal).toEqual([{ status: "failed" }]);
  });

  it("lets a step that waits less than postgres.lockTimeoutMs go on", async () => {
    const table = uniqueName("orders").toLowerCase();
    await queryRows(db.url, `CREATE TABLE "${table}" (id integer)`);
    await engine.project.writeMigration(
      "001_add_column",
      `export default { postgres: {
        up: async ({ db }) => { await db.schema.alterTable("${table}").addColumn("note", "text").execute(); },
        down: async () => {},
      } };`,
    );
    const reader = await longReader(table);
    setTimeout(() => void reader.release(), 300);
    const run = await engine.migrator({}, { postgresLockTimeoutMs: 10_000 }).up();
    expect(run.error).toBeUndefined();
  });
});
