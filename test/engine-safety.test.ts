import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { defineMigration, type MigratorOptions } from "../src/index.js";
import { runCrashRunner } from "./harness/child.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { keepWriting, uniqueName, useQdrant } from "./harness/qdrant.js";

// Behaviours found by review: each guards against a way to lose data or to
// leave the two stores out of step.
const db = useTestDatabase();
const qdrant = useQdrant();

const engine = useEngineProject(db, qdrant, { migrations: "in code" });
// Crash-runner children load their migrations from disk: those tests write files.
const files = useEngineProject(db, qdrant);
const migrator = (options: MigratorOptions = {}) => engine.migrator(options);

async function aliasTarget(alias: string): Promise<string | undefined> {
  const { aliases } = await qdrant.client.getAliases();
  return aliases.find((a) => a.alias_name === alias)?.collection_name;
}

/** A blue-green swap: create `v2`, point `alias` at it; optionally die right after. */
const blueGreen = (alias: string, v2: string) =>
  `export default { qdrant: {
    up: async ({ qdrant }) => {
      await qdrant.createCollection("${v2}", { vectors: { size: 4, distance: "Dot" } });
      await qdrant.updateCollectionAliases({ actions: [
        { create_alias: { collection_name: "${v2}", alias_name: "${alias}" } },
      ] });
      if (process.env.QM_KILL_AFTER_SWAP === "1") process.kill(process.pid, "SIGKILL");
    },
    down: async ({ qdrant }) => { await qdrant.deleteCollection("${v2}"); },
  } };`;

describe("engine safety", () => {
  it("puts a swapped alias back when recovering from a runner killed after the swap", async () => {
    const alias = uniqueName("docs");
    const v1 = uniqueName("docs_v1");
    const v2 = uniqueName("docs_v2");
    await qdrant.client.createCollection(v1, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: v1, alias_name: alias } }],
    });
    await files.project.writeMigration("001_swap", blueGreen(alias, v2));
    const config = files.project.config({ tablePrefix: files.prefix });
    const child = await runCrashRunner([JSON.stringify(config), "none"], {
      env: { QM_KILL_AFTER_SWAP: "1" },
    });
    expect(child.signal).toBe("SIGKILL");
    expect(await aliasTarget(alias)).toBe(v2);

    const repaired = await files.migrator().repair();
    expect(repaired.recovered).toEqual(["001_swap"]);
    expect(await aliasTarget(alias)).toBe(v1);
    expect((await qdrant.client.collectionExists(v2)).exists).toBe(false);
  });

  it("down --from-snapshot restores the state from before up, also after a failed down", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [{ id: 1, vector: [1, 0, 0, 0] }],
    });
    engine.addMigration(
      "001_add",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert(collection, { points: [{ id: 2, vector: [0, 1, 0, 0] }] });
          },
          down: async ({ qdrant }) => {
            await qdrant.upsert(collection, { points: [{ id: 3, vector: [0, 0, 1, 0] }] });
            throw new Error("down is broken");
          },
        },
      }),
    );
    const m = migrator();
    expect((await m.up()).error).toBeUndefined();
    const failed = await m.down();
    expect(failed.error?.message).toContain("down is broken");
    expect((await m.status()).migrations[0]?.state).toBe("applied");

    const reverted = await m.down({ fromSnapshot: true });
    expect(reverted.error).toBeUndefined();
    const { points } = await qdrant.client.scroll(collection, { limit: 10 });
    expect(points.map((p) => p.id)).toEqual([1]);
  });

  it("refuses down --from-snapshot of a baselined migration, which has no snapshots", async () => {
    const collection = uniqueName("docs");
    engine.addMigration(
      "001_create",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
          },
        },
      }),
    );
    const m = migrator();
    await m.baseline({ to: "001_create" });
    const refused = await m.down({ fromSnapshot: true });
    expect(refused.error?.code).toBe("MIGRATION_IRREVERSIBLE");
    expect(refused.error?.message).toContain("baselined");
    expect((await m.status()).migrations[0]?.state).toBe("applied");
  });

  it("does not commit when the migration lock is lost mid-run", async () => {
    const table = uniqueName("t");
    engine.addMigration(
      "001_long",
      defineMigration({
        postgres: {
          up: async ({ db }) => {
            await db.schema.createTable(table).addColumn("id", "integer").execute();
          },
          down: async ({ db }) => {
            await db.schema.dropTable(table).execute();
          },
        },
        qdrant: {
          up: async () => {
            // An operator ends the lock's session, as LockTimeoutError suggests for a stuck holder.
            await queryRows(
              db.url,
              `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE application_name = $1`,
              [`qdrant-migrate pid=${process.pid} host=${hostname()}`.slice(0, 63)],
            );
            await new Promise((r) => setTimeout(r, 300));
          },
          down: async () => {},
        },
      }),
    );
    const result = await migrator().up();
    expect(result.error?.message).toContain("lock");
    const rows = await queryRows<{ t: string | null }>(
      db.url,
      "SELECT to_regclass($1)::text AS t",
      [table],
    );
    expect(rows[0]?.t).toBeNull();
  });

  it("keeps a committed migration applied when an event listener throws", async () => {
    const table = uniqueName("t");
    engine.addMigration(
      "001_table",
      defineMigration({
        postgres: {
          up: async ({ db }) => {
            await db.schema.createTable(table).addColumn("id", "integer").execute();
          },
          down: async ({ db }) => {
            await db.schema.dropTable(table).execute();
          },
        },
      }),
    );
    const m = migrator({
      onEvent: (event) => {
        if (event.type === "committed") throw new Error("listener bug");
      },
    });
    const result = await m.up();
    expect(result.error).toBeUndefined();
    expect((await m.status()).migrations[0]?.state).toBe("applied");
  });

  it("never prunes the snapshot an interrupted migration rolls back from, even with --force", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await files.project.writeMigration(
      "001_upsert",
      `export default { qdrant: {
        up: async ({ qdrant }) => { await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [1, 0, 0, 0] }] }); },
        down: async () => {},
      } };`,
    );
    const config = files.project.config({ tablePrefix: files.prefix });
    const child = await runCrashRunner([JSON.stringify(config), "before-commit"]);
    expect(child.signal).toBe("SIGKILL");
    const m = files.migrator();
    const [taken] = await qdrant.client.listShardSnapshots(collection, 0);
    const pruned = await m.pruneSnapshots({ keep: 0, force: true });
    expect(pruned.find((p) => p.collection === collection)?.kept).toEqual([
      { name: taken?.name, neededBy: "001_upsert", reason: "in_progress" },
    ]);
    expect(await qdrant.client.listShardSnapshots(collection, 0)).toEqual([taken]);
    expect((await m.repair()).recovered).toEqual(["001_upsert"]);
  });

  it("keeps the snapshot down --from-snapshot needs while that down is interrupted: its migration stays applied", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await files.project.writeMigration(
      "001_upsert",
      `export default { qdrant: {
        up: async ({ qdrant }) => { await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [1, 0, 0, 0] }] }); },
      } };`,
    );
    const m = files.migrator();
    expect((await m.up()).error).toBeUndefined();
    const applied = (await files.records())[0]?.appliedChanges?.snapshots[0]?.replicas[0]?.snapshot;
    const config = files.project.config({ tablePrefix: files.prefix });
    const child = await runCrashRunner([JSON.stringify(config), "before-commit"], {
      env: { QM_VERB: "down-from-snapshot" },
    });
    expect(child.signal).toBe("SIGKILL");
    expect((await m.history())[0]?.status).toBe("in_progress");

    const pruned = await m.pruneSnapshots({ keep: 0 });
    expect(pruned.find((p) => p.collection === collection)?.kept).toContainEqual({
      name: applied,
      neededBy: "001_upsert",
      reason: "applied",
    });
    expect((await qdrant.client.listShardSnapshots(collection, 0)).map((s) => s.name)).toContain(
      applied,
    );
  });

  it("leaves no schema-version stamp on a collection whose migration rolled back", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    engine.addMigration(
      "001_unverified",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert(collection, { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
          },
          down: async () => {},
        },
        verify: async () => {
          throw new Error("verification failed");
        },
      }),
    );
    expect((await migrator().up()).error?.message).toContain("verification failed");
    const info = await qdrant.client.getCollection(collection);
    expect(info.config.metadata?.qdrant_migrate).toBeUndefined();
  });

  it("survives a server-wide idle-in-transaction timeout during a long Qdrant step", async () => {
    await queryRows(
      db.url,
      `ALTER DATABASE "${db.name}" SET idle_in_transaction_session_timeout = '300ms'`,
    );
    try {
      const table = uniqueName("t");
      engine.addMigration(
        "001_slow",
        defineMigration({
          postgres: {
            up: async ({ db }) => {
              await db.schema.createTable(table).addColumn("id", "integer").execute();
            },
            down: async ({ db }) => {
              await db.schema.dropTable(table).execute();
            },
          },
          qdrant: {
            up: async () => {
              await new Promise((r) => setTimeout(r, 1000));
            },
            down: async () => {},
          },
        }),
      );
      const result = await migrator().up();
      expect(result.error).toBeUndefined();
    } finally {
      await queryRows(
        db.url,
        `ALTER DATABASE "${db.name}" RESET idle_in_transaction_session_timeout`,
      );
    }
  });

  it("refuses to change a collection that keeps changing while it is snapshotted", async () => {
    const collection = uniqueName("busy");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    const stopWriting = keepWriting(qdrant.client, collection);
    engine.addMigration(
      "001_touch",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert(collection, { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
          },
          down: async () => {},
        },
      }),
    );
    try {
      const result = await migrator().up();
      expect(result.error?.message).toContain(`Collection ${collection} kept changing`);
      expect((await qdrant.client.retrieve(collection, { ids: [1] })).length).toBe(0);
      // The retried snapshots are deleted: nothing refers to them.
      expect(await qdrant.client.listShardSnapshots(collection, 0)).toEqual([]);
    } finally {
      await stopWriting();
    }
  });

  it("puts aliases back when a down --from-snapshot fails after restoring them", async () => {
    const alias = uniqueName("docs");
    const v1 = uniqueName("docs_v1");
    const v2 = uniqueName("docs_v2");
    for (const c of [v1, v2])
      await qdrant.client.createCollection(c, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: v1, alias_name: alias } }],
    });
    engine.addMigration(
      "001_repoint",
      defineMigration({
        postgres: {
          up: async () => {},
          down: async () => {
            throw new Error("the sql down step fails");
          },
        },
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.updateCollectionAliases({
              actions: [{ create_alias: { collection_name: v2, alias_name: alias } }],
            });
          },
        },
      }),
    );
    const m = migrator();
    expect((await m.up()).error).toBeUndefined();
    expect(await aliasTarget(alias)).toBe(v2);
    const failed = await m.down({ fromSnapshot: true });
    expect(failed.error?.message).toContain("the sql down step fails");
    expect(await aliasTarget(alias)).toBe(v2);
    expect((await m.status()).migrations[0]?.state).toBe("applied");
  });

  it("rolls back a migration whose run is aborted mid-step, sending no further change", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    const controller = new AbortController();
    engine.addMigration(
      "001_aborted",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert(collection, { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
            controller.abort();
            await qdrant.upsert(collection, { points: [{ id: 2, vector: [0, 1, 0, 0] }] });
          },
          down: async () => {},
        },
      }),
    );
    const m = migrator({ signal: controller.signal });
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(0);
    expect((await m.status()).migrations[0]?.state).toBe("failed");
  });
});
