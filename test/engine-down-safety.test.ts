import { unlink } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { defineMigration } from "../src/index.js";
import { runCrashRunner } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 15: `down` and recovery must revert only what this project's
// migration did, and only the migration that was asked for.
const db = useTestDatabase();
const qdrant = useQdrant();
// Files where the file is the point: a migration FILE deleted after it ran,
// and a crash-runner child, which loads migrations from disk.
const files = useEngineProject(db, qdrant);
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

const createCollection = (collection: string) =>
  `export default { qdrant: {
    up: async ({ qdrant }) => { await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } }); },
    down: async ({ qdrant }) => { await qdrant.deleteCollection("${collection}"); },
  } };`;

const upsertOne = (collection: string, id: number) =>
  `export default { qdrant: {
    up: async ({ qdrant }) => { await qdrant.upsert("${collection}", { points: [{ id: ${id}, vector: [1, 0, 0, 0] }] }); },
    down: async ({ qdrant }) => { await qdrant.delete("${collection}", { points: [${id}] }); },
  } };`;

describe("down when the last applied migration's file is missing", () => {
  it("refuses, naming the missing migration, and reverts nothing", async () => {
    const collection = uniqueName("docs");
    await files.project.writeMigration("01_one", createCollection(collection));
    const second = await files.project.writeMigration("02_two", upsertOne(collection, 2));
    const m = files.migrator();
    expect((await m.up()).error).toBeUndefined();
    await unlink(second);

    const refused = await m.down();
    expect(refused.error?.code).toBe("HISTORY_MISMATCH");
    expect(refused.error?.message).toContain("02_two");
    expect(refused.results).toEqual([]);
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(1);
    const states = (await m.status()).migrations.map((e) => [e.name, e.state]);
    expect(states).toEqual([
      ["01_one", "applied"],
      ["02_two", "missing"],
    ]);
  });

  it("with allowMissing, reverts only the missing migration, from its snapshots", async () => {
    const collection = uniqueName("docs");
    await files.project.writeMigration("01_one", createCollection(collection));
    const second = await files.project.writeMigration("02_two", upsertOne(collection, 2));
    const m = files.migrator();
    expect((await m.up()).error).toBeUndefined();
    await unlink(second);

    const reverted = await m.down({ allowMissing: true });
    expect(reverted.error).toBeUndefined();
    expect(reverted.results.map((r) => [r.name, r.status])).toEqual([["02_two", "success"]]);
    expect((await qdrant.client.collectionExists(collection)).exists).toBe(true);
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(0);
    const states = (await m.status()).migrations.map((e) => [e.name, e.state]);
    expect(states).toEqual([["01_one", "applied"]]);
  });
});

async function aliasTarget(alias: string): Promise<string | undefined> {
  const { aliases } = await qdrant.client.getAliases();
  return aliases.find((a) => a.alias_name === alias)?.collection_name;
}

async function pointAlias(alias: string, collection: string): Promise<void> {
  await qdrant.client.updateCollectionAliases({
    actions: [{ create_alias: { collection_name: collection, alias_name: alias } }],
  });
}

/**
 * This project's blue-green swap (`alias` from v1 to a new v2) beside another
 * application's alias `otherAlias` → `otherA` (`otherB` exists too), which no
 * migration touches. Returns the names, with `001_swap` applied: from a file
 * (for a crash-runner child) or given in code.
 */
async function swapBesideAnotherApp(from: "file" | "in code") {
  const names = {
    alias: uniqueName("docs"),
    v1: uniqueName("docs_v1"),
    v2: uniqueName("docs_v2"),
    otherAlias: uniqueName("other"),
    otherA: uniqueName("other_a"),
    otherB: uniqueName("other_b"),
  };
  for (const c of [names.v1, names.otherA, names.otherB]) {
    await qdrant.client.createCollection(c, { vectors: { size: 4, distance: "Dot" } });
  }
  await pointAlias(names.alias, names.v1);
  await pointAlias(names.otherAlias, names.otherA);
  if (from === "file") {
    await files.project.writeMigration(
      "001_swap",
      `export default { qdrant: {
        up: async ({ qdrant }) => {
          await qdrant.createCollection("${names.v2}", { vectors: { size: 4, distance: "Dot" } });
          await qdrant.updateCollectionAliases({ actions: [
            { create_alias: { collection_name: "${names.v2}", alias_name: "${names.alias}" } },
          ] });
        },
      } };`,
    );
  } else {
    engine.addMigration(
      "001_swap",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection(names.v2, { vectors: { size: 4, distance: "Dot" } });
            await qdrant.updateCollectionAliases({
              actions: [{ create_alias: { collection_name: names.v2, alias_name: names.alias } }],
            });
          },
        },
      }),
    );
  }
  expect((await (from === "file" ? files : engine).migrator().up()).error).toBeUndefined();
  return names;
}

describe("down --from-snapshot and other applications' aliases", () => {
  it("recovering an interrupted down --from-snapshot re-points only this migration's aliases", async () => {
    const n = await swapBesideAnotherApp("file");
    const config = files.project.config({ tablePrefix: files.prefix });
    const child = await runCrashRunner([JSON.stringify(config), "qdrant-step-done"], {
      env: { QM_VERB: "down-from-snapshot" },
    });
    expect(child.signal).toBe("SIGKILL");
    expect(await aliasTarget(n.alias)).toBe(n.v1);
    // The other application moves its own alias while the down lies interrupted.
    await pointAlias(n.otherAlias, n.otherB);

    const repaired = await files.migrator().repair();
    expect(repaired.recovered).toEqual(["001_swap"]);
    expect(await aliasTarget(n.alias)).toBe(n.v2);
    expect(await aliasTarget(n.otherAlias)).toBe(n.otherB);
  });

  it("records and stamps only the collections the migration touched", async () => {
    const n = await swapBesideAnotherApp("in code");
    const m = engine.migrator();
    expect((await m.down({ fromSnapshot: true })).error).toBeUndefined();
    expect(await aliasTarget(n.alias)).toBe(n.v1);
    expect(await aliasTarget(n.otherAlias)).toBe(n.otherA);

    const recorded = (await m.status()).collections.map((c) => c.collectionName);
    // v1 only had the alias moved off and back: no migration changed it.
    expect(recorded).not.toContain(n.v1);
    expect(recorded).not.toContain(n.otherA);
    const other = await qdrant.client.getCollection(n.otherA);
    expect(other.config.metadata?.qdrant_migrate).toBeUndefined();
  });
});
