import { unlink } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 15: `down` and recovery must revert only what this project's
// migration did, and only the migration that was asked for.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);

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
    await engine.project.writeMigration("01_one", createCollection(collection));
    const second = await engine.project.writeMigration("02_two", upsertOne(collection, 2));
    const m = engine.migrator();
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
    await engine.project.writeMigration("01_one", createCollection(collection));
    const second = await engine.project.writeMigration("02_two", upsertOne(collection, 2));
    const m = engine.migrator();
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
