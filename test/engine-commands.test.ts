// Files stay only where the file is the point: the crash runner is a child
// process that loads migrations from disk, and a deleted or edited FILE.
import { unlink, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition } from "../src/index.js";
import { runCrashRunner } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

const engine = useEngineProject(db, qdrant, { migrations: "in code" });
const files = useEngineProject(db, qdrant);
const migrator = (overrides: { keep?: number } = {}) => engine.migrator({}, overrides);

const noopSource = "export default { postgres: { up: async () => {}, down: async () => {} } };";
const noop = (): MigrationDefinition =>
  defineMigration({ postgres: { up: async () => {}, down: async () => {} } });

/** A migration that upserts point `id` into `collection` (which must exist). */
const upsertOneSource = (collection: string, id: number) =>
  `export default { qdrant: {
    up: async ({ qdrant }) => { await qdrant.upsert("${collection}", { points: [{ id: ${id}, vector: [1, 0, 0, 0] }] }); },
    down: async ({ qdrant }) => { await qdrant.delete("${collection}", { points: [${id}] }); },
  } };`;
const upsertOne = (collection: string, id: number): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.upsert(collection, { points: [{ id, vector: [1, 0, 0, 0] }] });
      },
      down: async ({ qdrant }) => {
        await qdrant.delete(collection, { points: [id] });
      },
    },
  });

describe("engine commands", () => {
  it("with autoRecover off, stops at an interrupted migration until repair restores it", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await files.project.writeMigration("001_upsert", upsertOneSource(collection, 7));
    const config = files.project.config({ tablePrefix: files.prefix });
    const child = await runCrashRunner([JSON.stringify(config), "before-commit"]);
    expect(child.signal).toBe("SIGKILL");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(1);

    const m = files.migrator();
    const stopped = await m.up({ autoRecover: false });
    expect(stopped.error?.code).toBe("MIGRATION_INTERRUPTED");
    expect(stopped.error?.message).toContain("qdrant-migrate repair");
    expect((await m.check()).interrupted).toEqual(["001_upsert"]);

    const repaired = await m.repair();
    expect(repaired.recovered).toEqual(["001_upsert"]);
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(0);
    expect((await m.status()).migrations[0]?.state).toBe("pending");
  });

  it("refuses to run when an applied migration's file is gone, unless allowed", async () => {
    const path = await files.project.writeMigration("001_first", noopSource);
    const m = files.migrator();
    expect((await m.up()).error).toBeUndefined();
    await unlink(path);
    await files.project.writeMigration("002_second", noopSource);
    const refused = await m.up();
    expect(refused.error?.code).toBe("HISTORY_MISMATCH");
    expect(refused.error?.message).toContain("001_first has no file");
    expect((await m.check()).missing).toEqual(["001_first"]);
    expect((await m.up({ allowMissing: true })).results.map((r) => r.name)).toEqual(["002_second"]);
  });

  it("refuses a pending migration that sorts before an applied one, unless allowed", async () => {
    engine.addMigration("002_later", noop());
    const m = migrator();
    expect((await m.up()).error).toBeUndefined();
    engine.addMigration("001_earlier", noop());
    const refused = await m.up();
    expect(refused.error?.code).toBe("HISTORY_MISMATCH");
    expect(refused.error?.message).toContain("001_earlier sorts before");
    const allowed = await m.up({ allowOutOfOrder: true });
    expect(allowed.results.map((r) => r.name)).toEqual(["001_earlier"]);
  });

  it("reports the migrations after a failed one as not executed, and leaves them pending", async () => {
    engine.addMigration("001_a", noop());
    engine.addMigration(
      "002_broken",
      defineMigration({
        postgres: {
          up: async () => {
            throw new Error("boom");
          },
        },
      }),
    );
    engine.addMigration("003_c", noop());
    const m = migrator();
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(result.results.map((r) => [r.name, r.status])).toEqual([
      ["001_a", "success"],
      ["002_broken", "error"],
      ["003_c", "not-executed"],
    ]);
    expect((await m.status()).migrations.map((e) => e.state)).toEqual([
      "applied",
      "failed",
      "pending",
    ]);
  });

  it("up --to and --step apply only the migrations asked for", async () => {
    for (const name of ["001_a", "002_b", "003_c"]) engine.addMigration(name, noop());
    const m = migrator();
    expect((await m.up({ step: 1 })).results.map((r) => r.name)).toEqual(["001_a"]);
    expect((await m.up({ to: "002_b" })).results.map((r) => r.name)).toEqual(["002_b"]);
    const states = (await m.status()).migrations.map((e) => e.state);
    expect(states).toEqual(["applied", "applied", "pending"]);
  });

  it("down reverts the last migration by default, and down --to 0 reverts all", async () => {
    for (const name of ["001_a", "002_b", "003_c"]) engine.addMigration(name, noop());
    const m = migrator();
    await m.up();
    expect((await m.down()).results.map((r) => r.name)).toEqual(["003_c"]);
    expect((await m.down({ to: 0 })).results.map((r) => r.name)).toEqual(["002_b", "001_a"]);
    expect((await m.status()).migrations.every((e) => e.state === "pending")).toBe(true);
  });

  it("refuses to revert a migration whose file changed since it ran, unless allowed", async () => {
    const path = await files.project.writeMigration("001_a", noopSource);
    const m = files.migrator();
    await m.up();
    await writeFile(path, `${noopSource}\n// edited\n`);
    const refused = await m.down();
    expect(refused.error?.code).toBe("HISTORY_MISMATCH");
    expect(refused.error?.message).toContain("001_a");
    expect((await m.down({ allowChanged: true })).results.map((r) => r.status)).toEqual([
      "success",
    ]);
  });

  it("baseline marks migrations applied without running them and records live collections", async () => {
    const collection = uniqueName("existing");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    engine.addMigration(
      "001_would_fail",
      defineMigration({
        postgres: {
          up: async () => {
            throw new Error("must not run");
          },
          down: async () => {},
        },
      }),
    );
    engine.addMigration("002_next", noop());
    const m = migrator();
    const result = await m.baseline({ to: "001_would_fail" });
    expect(result.stamped).toEqual(["001_would_fail"]);
    expect(result.collections).toContain(collection);
    const status = await m.status();
    expect(status.migrations.map((e) => e.state)).toEqual(["applied", "pending"]);
    expect(status.collections.find((c) => c.collectionName === collection)?.schemaVersion).toBe(1);
    expect((await m.up()).results.map((r) => r.name)).toEqual(["002_next"]);
  });

  it("check reports drift when a collection changed outside migrations", async () => {
    const collection = uniqueName("docs");
    engine.addMigration(
      "001_create",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
          },
          down: async ({ qdrant }) => {
            await qdrant.deleteCollection(collection);
          },
        },
      }),
    );
    const m = migrator();
    await m.up();
    expect((await m.check()).ok).toBe(true);
    await qdrant.client.createPayloadIndex(collection, {
      field_name: "by_hand",
      field_schema: "keyword",
      wait: true,
    });
    const check = await m.check();
    expect(check.ok).toBe(false);
    expect(check.drift).toEqual([
      { collection, differences: [expect.stringContaining("by_hand")] },
    ]);
  });

  it("keeps every snapshot an applied migration needs for down --from-snapshot, beyond snapshots.keep", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    for (let i = 1; i <= 3; i++) engine.addMigration(`00${i}_upsert`, upsertOne(collection, i));
    const m = migrator({ keep: 1 });
    expect((await m.up()).error).toBeUndefined();
    const needed = (await engine.records())
      .map((r) => r.snapshots[0]?.replicas[0]?.snapshot)
      .sort();
    const kept = (await qdrant.client.listShardSnapshots(collection, 0)).map((s) => s.name).sort();
    expect(needed).toHaveLength(3);
    expect(kept).toEqual(needed);
  });

  it("snapshots prune keeps what applied migrations need, naming each; --force deletes it", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    engine.addMigration("001_upsert", upsertOne(collection, 1));
    const m = migrator();
    expect((await m.up()).error).toBeUndefined();
    const snapshot = (await engine.records())[0]?.snapshots[0]?.replicas[0]?.snapshot;

    const pruned = await m.pruneSnapshots({ keep: 0 });
    expect(pruned.find((p) => p.collection === collection)).toEqual({
      collection,
      deleted: [],
      kept: [{ name: snapshot, neededBy: "001_upsert", reason: "applied" }],
      leftAlone: 0,
    });
    expect((await m.down({ fromSnapshot: true })).error).toBeUndefined();
    expect((await m.up()).error).toBeUndefined();

    const forced = await m.pruneSnapshots({ keep: 0, force: true });
    const entry = forced.find((p) => p.collection === collection);
    expect(entry?.kept).toEqual([]);
    expect(await qdrant.client.listShardSnapshots(collection, 0)).toEqual([]);
  });

  it("plan lists pending migrations and how each declared collection is rolled back or that it is created", async () => {
    const existing = uniqueName("existing");
    const fresh = uniqueName("fresh");
    await qdrant.client.createCollection(existing, { vectors: { size: 4, distance: "Dot" } });
    engine.addMigration(
      "001_plan",
      defineMigration({
        description: "touches two",
        collections: [existing, fresh],
        postgres: { up: async () => {}, down: async () => {} },
      }),
    );
    engine.addMigration(
      "002_later",
      defineMigration({
        collections: [fresh],
        snapshot: "always",
        postgres: { up: async () => {}, down: async () => {} },
      }),
    );
    const plan = await migrator().plan();
    expect(plan).toEqual([
      {
        name: "001_plan",
        direction: "up",
        description: "touches two",
        snapshots: [],
        inverses: [existing],
        creates: [fresh],
      },
      // Created by 001 by the time 002 runs.
      {
        name: "002_later",
        direction: "up",
        description: undefined,
        snapshots: [fresh],
        inverses: [],
        creates: [],
      },
    ]);
    expect((await qdrant.client.listShardSnapshots(existing, 0)).length).toBe(0);
  });
});
