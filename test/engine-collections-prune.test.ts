// Files stay only for the CLI test: the spawned CLI loads migrations from disk.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition } from "../src/index.js";
import { runCli } from "./harness/child.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { type EngineHarness, useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// `collections prune` / Migrator.pruneCollections: the old physical versions
// blue-green changes leave behind.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });
const files = useEngineProject(db, qdrant);

async function collectionNames(): Promise<Set<string>> {
  return new Set((await qdrant.client.getCollections()).collections.map((c) => c.name));
}

/** A migration that widens `name`'s `text` vector to `size` by blue-green. */
const resize = (name: string, size: number): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ schema }) => {
        await schema.changeVector(
          name,
          "text",
          { size },
          { transform: (p) => ({ ...p, vector: { text: Array(size).fill(1) } }) },
        );
      },
      down: async () => {},
    },
  });

/** `resize` as a migration file's source, for the spawned CLI. */
const resizeSource = (name: string, size: number) =>
  `export default { qdrant: {
    up: async ({ schema }) => {
      await schema.changeVector("${name}", "text", { size: ${size} }, {
        transform: (p) => ({ ...p, vector: { text: Array(${size}).fill(1) } }),
      });
    },
    down: async () => {},
  } };`;

/**
 * Makes the alias `name` → `name_v1` by hand (so v1 is not the project's), then
 * migrations 001..00n each make a new version (in `h`'s folder for `files`).
 */
async function versions(
  name: string,
  migrations: number,
  h: EngineHarness = engine,
): Promise<void> {
  await qdrant.client.createCollection(`${name}_v1`, {
    vectors: { text: { size: 2, distance: "Dot" } },
  });
  await qdrant.client.upsert(`${name}_v1`, {
    wait: true,
    points: [{ id: 1, vector: { text: [1, 1] }, payload: { n: 1 } }],
  });
  await qdrant.client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: name, collection_name: `${name}_v1` } }],
  });
  for (let i = 1; i <= migrations; i++) {
    if (h === files) await files.project.writeMigration(`00${i}_resize`, resizeSource(name, 2 + i));
    else h.addMigration(`00${i}_resize`, resize(name, 2 + i));
  }
  expect((await h.migrator().up()).error).toBeUndefined();
}

describe("collections prune", () => {
  it("keeps every aliased version and the newest unaliased one, deletes older ones, and only project-created ones", async () => {
    const name = uniqueName("prune");
    await versions(name, 4);
    // v2 is still in use by another alias; a project collection like a version but not behind an alias stays too.
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: `${name}_pinned`, collection_name: `${name}_v2` } }],
    });
    const loose = uniqueName("loose");
    engine.addMigration(
      "005_loose",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            for (const v of [`${loose}_v1`, `${loose}_v2`])
              await qdrant.createCollection(v, { vectors: { size: 2, distance: "Dot" } });
          },
          down: async () => {},
        },
      }),
    );
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();

    const planned = await m.pruneCollections({ dryRun: true });
    expect(planned).toEqual([
      {
        name,
        deleted: [`${name}_v3`],
        kept: [
          { collection: `${name}_v5`, reason: "aliased" },
          { collection: `${name}_v4`, reason: "needed", neededBy: "004_resize" },
          { collection: `${name}_v2`, reason: "aliased" },
        ],
      },
    ]);
    expect((await collectionNames()).has(`${name}_v3`)).toBe(true);

    expect(await m.pruneCollections()).toEqual(planned);
    const left = await collectionNames();
    expect(left.has(`${name}_v3`)).toBe(false);
    for (const kept of ["v1", "v2", "v4", "v5"]) expect(left.has(`${name}_${kept}`)).toBe(true);
    expect(left.has(`${loose}_v1`) && left.has(`${loose}_v2`)).toBe(true);

    // The version the last migration's down --from-snapshot points the alias back at stays even then.
    const none = await m.pruneCollections({ keep: 0 });
    expect(none[0]?.deleted).toEqual([]);
    expect(none[0]?.kept).toContainEqual({
      collection: `${name}_v4`,
      reason: "needed",
      neededBy: "004_resize",
    });
    expect((await qdrant.client.count(name, { exact: true })).count).toBe(1);
  });

  it("lists the version an up, down, up again left behind (issue 21): the ledger keeps what earlier attempts created", async () => {
    const name = uniqueName("again");
    await versions(name, 0);
    engine.addMigration(
      "001_resize",
      defineMigration({
        qdrant: {
          up: async ({ schema }) => {
            await schema.changeVector(
              name,
              "text",
              { size: 3 },
              { transform: (p) => ({ ...p, vector: { text: [1, 1, 1] } }) },
            );
          },
          down: async ({ qdrant }) => {
            await qdrant.updateCollectionAliases({
              actions: [
                { delete_alias: { alias_name: name } },
                { create_alias: { alias_name: name, collection_name: `${name}_v1` } },
              ],
            });
          },
        },
      }),
    );
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();
    expect((await m.down()).error).toBeUndefined();
    expect((await m.up()).error).toBeUndefined();
    expect([...(await collectionNames())].filter((c) => c.startsWith(name)).sort()).toEqual([
      `${name}_v1`,
      `${name}_v2`,
      `${name}_v3`,
    ]);
    expect(await m.pruneCollections({ keep: 0, dryRun: true })).toEqual([
      {
        name,
        deleted: [`${name}_v2`],
        kept: [{ collection: `${name}_v3`, reason: "aliased" }],
      },
    ]);
    await m.pruneCollections({ keep: 0 });
    expect((await collectionNames()).has(`${name}_v2`)).toBe(false);
    expect((await m.pruneCollections({ keep: 0, dryRun: true }))[0]?.deleted).toEqual([]);
  });

  it("is refused while a migration is interrupted, and deletes nothing", async () => {
    const name = uniqueName("prune_int");
    await versions(name, 2);
    await queryRows(
      db.url,
      `UPDATE "${engine.prefix}migrations" SET status = 'in_progress' WHERE name = '002_resize'`,
    );
    const m = engine.migrator();
    await expect(m.pruneCollections({ keep: 0 })).rejects.toMatchObject({
      code: "MIGRATION_INTERRUPTED",
    });
    expect((await collectionNames()).has(`${name}_v2`)).toBe(true);
  });

  it("the CLI's collections prune --dry-run --json lists what it would delete and deletes nothing", async () => {
    const name = uniqueName("prune_cli");
    await versions(name, 3, files);
    await writeFile(
      join(files.project.dir, "umzug.config.mjs"),
      `export default ${JSON.stringify({
        migrations: "migrations/*.mjs",
        postgres: { url: db.url, tablePrefix: files.prefix },
        qdrant: { url: qdrant.url, ...(qdrant.apiKey ? { apiKey: qdrant.apiKey } : {}) },
      })};`,
    );
    const result = await runCli(["collections", "prune", "--keep", "0", "--dry-run", "--json"], {
      cwd: files.project.dir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      pruned: [{ name, deleted: [`${name}_v2`] }],
    });
    expect((await collectionNames()).has(`${name}_v2`)).toBe(true);
  });
});
