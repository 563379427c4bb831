import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../src/config/resolve-config.js";
import { createMigrator, type RunResult } from "../src/index.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { type PostgresProxy, startPostgresProxy } from "./harness/postgres-proxy.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// The connection dies while COMMIT is on its way: the one moment where the
// engine cannot tell from the error whether Postgres kept the migration. The
// journal row, finished in that transaction, tells; Qdrant is undone only when
// it says the commit did not take effect.
const db = useTestDatabase();
const qdrant = useQdrant();

let proxy: PostgresProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** A project reaching Postgres through a proxy, with one migration: a row in Postgres, a point in Qdrant. */
async function setUp(opts: { slowCommit?: boolean } = {}) {
  proxy = await startPostgresProxy(db.url);
  const project = await makeProject({
    postgres: proxy.url,
    qdrant: qdrant.url,
    apiKey: qdrant.apiKey,
  });
  const config = project.config({ tablePrefix: `${uniqueName("qm").toLowerCase()}_` });
  const table = uniqueName("t");
  const collection = uniqueName("notes");
  await queryRows(db.url, `CREATE TABLE "${table}" (id integer primary key)`);
  if (opts.slowCommit) {
    // A deferred trigger: the migration's COMMIT takes a second to finish and
    // shrugs off a cancel, as one waiting for a synchronous standby does.
    await queryRows(
      db.url,
      `CREATE FUNCTION "${table}_slow"() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           BEGIN PERFORM pg_sleep(1); EXCEPTION WHEN query_canceled THEN PERFORM pg_sleep(1); END;
           RETURN NULL;
         END $$`,
    );
    await queryRows(
      db.url,
      `CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON "${table}" DEFERRABLE INITIALLY DEFERRED
         FOR EACH ROW EXECUTE FUNCTION "${table}_slow"()`,
    );
  }
  await qdrant.client.createCollection(collection, { vectors: { size: 2, distance: "Dot" } });
  await project.writeMigration(
    "001_note",
    `export default {
      postgres: { up: async ({ db }) => { await db.insertInto("${table}").values({ id: 1 }).execute(); } },
      qdrant: { up: async ({ qdrant }) => {
        await qdrant.upsert("${collection}", { wait: true, points: [{ id: 7, vector: [1, 0], payload: { by: "001_note" } }] });
      } },
    };`,
  );
  return { proxy, config, table, collection };
}

/** `up` with a migrator of its own; `atCommit` runs just before the transaction commits. */
async function up(config: ResolvedConfig, atCommit?: () => void): Promise<RunResult> {
  const migrator = createMigrator(config, {
    onEvent: (event) => {
      if (event.type === "before-commit") atCommit?.();
    },
  });
  try {
    return await migrator.up();
  } finally {
    await migrator.close().catch(() => {});
  }
}

/** Sessions of this test's database ended by an administrator so far (pg_terminate_backend among them). */
async function terminations(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db.url,
    "SELECT sessions_killed::int AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return row?.n ?? -1;
}

/** The migrations the run applied. */
function applied(result: RunResult): string[] {
  return result.results.filter((r) => r.status === "success").map((r) => r.name);
}

async function state(table: string, collection: string) {
  const [row] = await queryRows<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "${table}"`);
  const { points } = await qdrant.client.scroll(collection, { with_payload: true });
  return { rows: row?.n, points: points.map((p) => p.id) };
}

describe("a COMMIT Postgres refuses", () => {
  it("rolls back both halves as any failed migration, ending no session", async () => {
    const { config, table, collection } = await setUp();
    // The migration's row breaks a deferred foreign key: COMMIT itself fails.
    const parent = uniqueName("parent");
    await queryRows(db.url, `CREATE TABLE "${parent}" (id integer primary key)`);
    await queryRows(
      db.url,
      `ALTER TABLE "${table}" ADD FOREIGN KEY (id) REFERENCES "${parent}" (id)
         DEFERRABLE INITIALLY DEFERRED`,
    );
    const terminated = await terminations();

    const result = await up(config);

    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(result.error?.message).toContain("foreign key");
    expect(await state(table, collection)).toEqual({ rows: 0, points: [] });
    expect(await terminations()).toBe(terminated);
  });
});

describe("a connection lost during COMMIT", () => {
  it("counts the migration applied when the journal shows the commit took effect, and keeps Qdrant's half", async () => {
    const { proxy, config, table, collection } = await setUp();

    const result = await up(config, () => proxy.failNextCommit("lose-reply"));

    expect(result.error).toBeUndefined();
    expect(applied(result)).toEqual(["001_note"]);
    expect(await state(table, collection)).toEqual({ rows: 1, points: [7] });
    const again = await up(config);
    expect(applied(again)).toEqual([]);
    expect(await state(table, collection)).toEqual({ rows: 1, points: [7] });
  });

  it("undoes Qdrant's half when the journal shows the commit never reached Postgres", async () => {
    const { proxy, config, table, collection } = await setUp();

    const result = await up(config, () => proxy.failNextCommit("drop-before"));

    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(result.error?.cause).toMatchObject({ code: "POSTGRES_CONNECTION_LOST" });
    expect(await state(table, collection)).toEqual({ rows: 0, points: [] });
  });

  it("ends the session still running its COMMIT before reading the row, so the commit cannot land after Qdrant is undone", async () => {
    const { proxy, config, table, collection } = await setUp({ slowCommit: true });

    const result = await up(config, () => proxy.failNextCommit("cut-after-send"));

    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await state(table, collection)).toEqual({ rows: 0, points: [] });
    // Past the moment the slow COMMIT would have finished.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await state(table, collection)).toEqual({ rows: 0, points: [] });
  });

  it("undoes nothing when the journal cannot be read, and the next run finds the commit done", async () => {
    const { proxy, config, table, collection } = await setUp();

    const result = await up(config, () => proxy.failNextCommit("lose-reply", { andRefuse: true }));

    expect(result.error?.code).toBe("COMMIT_UNCONFIRMED");
    expect(result.error?.message).toContain("whether the commit took effect is unknown");
    expect(await state(table, collection)).toEqual({ rows: 1, points: [7] });
    proxy.accept();
    const next = await up(config);
    expect(next.error).toBeUndefined();
    expect(applied(next)).toEqual([]);
    expect(next.recovered).toEqual([]);
    expect(await state(table, collection)).toEqual({ rows: 1, points: [7] });
  });

  it("undoes nothing when the journal cannot be read, and the next run restores Qdrant when the commit never landed", async () => {
    const { proxy, config, table, collection } = await setUp();

    const result = await up(config, () => proxy.failNextCommit("drop-before", { andRefuse: true }));

    expect(result.error?.code).toBe("COMMIT_UNCONFIRMED");
    expect(await state(table, collection)).toEqual({ rows: 0, points: [7] });
    proxy.accept();
    const next = await up(config);
    expect(next.error).toBeUndefined();
    expect(next.recovered).toEqual(["001_note"]);
    expect(applied(next)).toEqual(["001_note"]);
    expect(await state(table, collection)).toEqual({ rows: 1, points: [7] });
  });
});
