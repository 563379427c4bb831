import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.js";
import {
  ConfigError,
  createMigrator,
  defineConfig,
  defineMigration,
  type MigrationEntry,
  type Migrator,
  type QdrantMigrateConfig,
} from "../src/index.js";
import { capture } from "./harness/capture.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

const open: Migrator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

/** A migrator over `migrations` given in code, with this test's own journal tables. */
function migratorOver(migrations: QdrantMigrateConfig["migrations"], prefix: string): Migrator {
  const m = createMigrator(
    defineConfig({
      migrations,
      postgres: { url: db.url, tablePrefix: prefix },
      qdrant: { url: qdrant.url, apiKey: qdrant.apiKey },
    }),
  );
  open.push(m);
  return m;
}

const prefix = () => `${uniqueName("qm").toLowerCase()}_`;

/** A migration that creates table `table`, and drops it on `down`. */
function createTable(table: string): MigrationEntry["migration"] {
  return defineMigration({
    postgres: {
      up: async ({ db }) => {
        await db.schema.createTable(table).addColumn("id", "integer").execute();
      },
      down: async ({ db }) => {
        await db.schema.dropTable(table).execute();
      },
    },
  });
}

async function tableExists(table: string): Promise<boolean> {
  const rows = await queryRows(db.url, `SELECT to_regclass('public.${table}') AS t`);
  return rows[0]?.t !== null;
}

describe("migrations given in code (the config's `migrations` provider)", () => {
  it("applies an array of { name, migration } in name order, reports it in status, and reverts it with down", async () => {
    const [first, second] = [uniqueName("t_first"), uniqueName("t_second")];
    const m = migratorOver(
      [
        { name: "002_second", migration: createTable(second) },
        { name: "001_first", migration: createTable(first) },
      ],
      prefix(),
    );
    const up = await m.up();
    expect(up.error).toBeUndefined();
    expect(up.results.map((r) => r.name)).toEqual(["001_first", "002_second"]);
    expect((await m.status()).migrations.map((s) => [s.name, s.state])).toEqual([
      ["001_first", "applied"],
      ["002_second", "applied"],
    ]);
    expect((await m.down()).error).toBeUndefined();
    expect(await tableExists(second)).toBe(false);
    expect(await tableExists(first)).toBe(true);
    expect((await m.history()).map((h) => [h.name, h.status])).toEqual([
      ["001_first", "applied"],
      ["002_second", "rolled_back"],
    ]);
  });

  it("reads an async function each time a command lists the migrations", async () => {
    const table = uniqueName("t_async");
    const list: MigrationEntry[] = [];
    const m = migratorOver(async () => list, prefix());
    expect((await m.up()).results).toEqual([]);
    list.push({ name: "001_later", migration: createTable(table) });
    expect((await m.check()).pending).toEqual(["001_later"]);
    expect((await m.up()).error).toBeUndefined();
    expect(await tableExists(table)).toBe(true);
    expect((await m.down()).error).toBeUndefined();
    expect(await tableExists(table)).toBe(false);
  });

  it("refuses a migration of the wrong shape before running anything, naming it", async () => {
    const table = uniqueName("t_never");
    const m = migratorOver(
      [
        { name: "001_fine", migration: createTable(table) },
        // A typo a typed file would not compile with: what a JavaScript caller can still pass.
        { name: "002_typo", migration: { postgress: { up: async () => {} } } as never },
      ],
      prefix(),
    );
    const { error, results } = await m.up();
    expect(error?.code).toBe("MIGRATION_PROVIDER_INVALID");
    expect(error?.message).toContain("Migration 002_typo");
    expect(error?.message).toContain('unknown key "postgress"');
    expect(results).toEqual([]);
    expect(await tableExists(table)).toBe(false);
  });

  it("refuses two migrations of one name, naming it", async () => {
    const m = migratorOver(
      [
        { name: "001_same", migration: createTable(uniqueName("t_a")) },
        { name: "001_same", migration: createTable(uniqueName("t_b")) },
      ],
      prefix(),
    );
    await expect(m.status()).rejects.toMatchObject({
      code: "MIGRATION_PROVIDER_INVALID",
      migration: "001_same",
    });
  });

  it("sees an edited step as a changed migration (its checksum covers the function's source)", async () => {
    const journal = prefix();
    const table = uniqueName("t_edit");
    expect(
      (await migratorOver([{ name: "001_t", migration: createTable(table) }], journal).up()).error,
    ).toBeUndefined();
    const edited = defineMigration({
      postgres: {
        up: async ({ db }) => {
          await db.schema.createTable(table).addColumn("id", "bigint").execute();
        },
      },
    });
    const check = await migratorOver([{ name: "001_t", migration: edited }], journal).check();
    expect(check.changed).toEqual(["001_t"]);
  });

  it("reverts the Qdrant half of an applied migration the provider no longer gives, with allowMissing", async () => {
    const journal = prefix();
    const collection = uniqueName("gone");
    const created = defineMigration({
      qdrant: {
        up: async ({ qdrant }) => {
          await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
        },
      },
    });
    expect(
      (await migratorOver([{ name: "001_gone", migration: created }], journal).up()).error,
    ).toBeUndefined();
    const without = migratorOver([], journal);
    expect((await without.down()).error?.code).toBe("HISTORY_MISMATCH");
    expect((await without.down({ allowMissing: true })).error).toBeUndefined();
    expect((await qdrant.client.collectionExists(collection)).exists).toBe(false);
  });

  it("reports a bad field of an in-code config as a ConfigError naming it", () => {
    expect(() =>
      createMigrator(defineConfig({ postgres: { url: db.url, tablePrefix: "no-dash" } })),
    ).toThrow(ConfigError);
    expect(() =>
      createMigrator(defineConfig({ postgres: { url: db.url }, migrations: 7 as never })),
    ).toThrow(/migrations must be a glob of files, an array of \{ name, migration \}/);
  });
});

describe("history()", () => {
  it("gives each migration's latest run in counts, without the journal's snapshots or point ids", async () => {
    const collection = uniqueName("hist");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    const upsert = defineMigration({
      qdrant: {
        up: async ({ qdrant }) => {
          await qdrant.upsert(collection, { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
        },
      },
    });
    const m = migratorOver([{ name: "001_upsert", migration: upsert }], prefix());
    expect((await m.up()).error).toBeUndefined();
    const [entry] = await m.history();
    expect(Object.keys(entry ?? {}).sort()).toEqual([
      "counts",
      "direction",
      "durationMs",
      "error",
      "finishedAt",
      "name",
      "runner",
      "startedAt",
      "status",
    ]);
    expect(entry).toMatchObject({
      name: "001_upsert",
      direction: "up",
      status: "applied",
      error: null,
      counts: { snapshottedCollections: 1, createdCollections: 0, changedAliases: 0 },
    });
  });
});

describe("create with migrations given in code", () => {
  it("refuses with MIGRATIONS_IN_CODE naming the `migrations` setting, writing nothing", async () => {
    const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
    await writeFile(join(project.dir, "umzug.config.mjs"), "export default { migrations: [] };");
    const stdout = capture();
    const stderr = capture();
    const code = await runCli(["create", "add_docs", "--json"], {
      cwd: project.dir,
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
    expect(code).toBe(2);
    const body = JSON.parse(stdout.text()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("MIGRATIONS_IN_CODE");
    expect(body.error.message).toContain("`migrations` setting of");
    expect(body.error.message).toContain("umzug.config.mjs");
  });
});
