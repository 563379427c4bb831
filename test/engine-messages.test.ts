import { startQdrant } from "@qdrant-migrate/qdrant-server";
import { afterAll, describe, expect, it } from "vitest";
import { RollbackFailedError } from "../src/engine/errors.js";
import { createMigrator } from "../src/engine/migrator.js";
import { defineMigration, type MigrationDefinition } from "../src/index.js";
import { ShardRestoreError } from "../src/qdrant/cluster-errors.js";
import { runCrashRunner } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { makeProject } from "./harness/project.js";
import { keepWriting, uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 15: messages say what happened and what to run next.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });
// The crash-runner child loads its migration from disk: that test writes a file.
const files = useEngineProject(db, qdrant);
const noop = (): MigrationDefinition =>
  defineMigration({ postgres: { up: async () => {}, down: async () => {} } });

describe("messages", () => {
  it("down --to a migration that exists but is not applied says so", async () => {
    engine.addMigration("001_a", noop());
    engine.addMigration("002_b", noop());
    const m = engine.migrator();
    expect((await m.up({ step: 1 })).error).toBeUndefined();
    const result = await m.down({ to: "002_b" });
    expect(result.error?.code).toBe("MIGRATION_NOT_APPLIED");
    expect(result.error?.message).toContain("002_b is not applied (it is pending)");
  });

  it("down on an interrupted run advises repair, then down", async () => {
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
    const result = await files.migrator().down();
    expect(result.error?.code).toBe("MIGRATION_INTERRUPTED");
    expect(result.error?.message).toContain("then run `down` again");
  });

  it("a failed restore names the peer and shard at fault, and never claims nothing was dropped", () => {
    const restore = new ShardRestoreError("docs", 7, 2, "Qdrant refused the recovery (disk full)");
    const error = new RollbackFailedError("001_a", new Error("step failed"), restore);
    expect(error.message).toContain('shard 2 of collection "docs" on peer 7');
  });

  describe("a failed migration's advice fits its cause (issue 14)", () => {
    const upsert = (collection: string): MigrationDefinition =>
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert(collection, { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
          },
          down: async ({ qdrant }) => {
            await qdrant.delete(collection, { points: [1] });
          },
        },
      });

    it("a step's error that ends in a full stop is not given a second one", async () => {
      engine.addMigration(
        "001_throws",
        defineMigration({
          postgres: {
            up: async () => {
              throw new Error("the table is missing.");
            },
            down: async () => {},
          },
        }),
      );
      const result = await engine.migrator().up();
      expect(result.error?.message).toContain("the table is missing. Postgres was rolled back");
      expect(result.error?.message).not.toContain("..");
      expect(result.error?.message).toMatch(/fix the migration and run the command again\.$/);
    });

    it("a run aborted through the caller's signal advises running it again, not fixing the migration", async () => {
      const controller = new AbortController();
      engine.addMigration(
        "001_waits",
        defineMigration({
          postgres: {
            up: async () => {
              controller.abort();
              await new Promise(() => {});
            },
            down: async () => {},
          },
        }),
      );
      const result = await engine.migrator({ signal: controller.signal }).up();
      expect(result.error?.message).toContain("001_waits (up) was interrupted");
      expect(result.error?.message).toContain("run the command again when ready.");
      expect(result.error?.message).not.toContain("fix the migration");
    });

    it("a busy collection advises stopping its writers, not fixing the migration", async () => {
      const collection = uniqueName("busy");
      await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
      const stopWriting = keepWriting(qdrant.client, collection);
      engine.addMigration("001_upsert", upsert(collection));
      try {
        const result = await engine.migrator().up();
        expect(result.error?.message).toContain(`stop what writes to collection ${collection}`);
        expect(result.error?.message).not.toContain("fix the migration");
      } finally {
        await stopWriting();
      }
    });

    it("down --from-snapshot of a migration whose snapshot was deleted advises its down steps or a backup", async () => {
      const collection = uniqueName("docs");
      await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
      engine.addMigration("001_upsert", upsert(collection));
      const m = engine.migrator();
      expect((await m.up()).error).toBeUndefined();
      await m.pruneSnapshots({ keep: 0, force: true });
      const result = await m.down({ fromSnapshot: true });
      expect(result.error?.message).toContain("is no longer on that peer");
      expect(result.error?.message).toContain("revert it by its own down steps");
      expect(result.error?.message).not.toContain("fix the migration");
      expect(result.error?.message).not.toContain("Re-running");
    });
  });

  describe("a Qdrant that refuses the API key", () => {
    // Its own in-process server, on either test run: the shared real binary runs without a key.
    let server: Awaited<ReturnType<typeof startQdrant>> | undefined;
    afterAll(async () => {
      await server?.stop();
    });

    it("is reported as a refused key, not as a migration to fix", async () => {
      server = await startQdrant({ apiKey: "the-right-key-1234" });
      const project = await makeProject({ postgres: db.url, qdrant: server.url, apiKey: "wrong" });
      const migration = defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert("docs", { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
          },
          down: async () => {},
        },
      });
      const m = createMigrator(
        project.config({
          tablePrefix: engine.prefix,
          migrations: [{ name: "001_upsert", migration }],
        }),
      );
      try {
        const result = await m.up();
        expect(result.error?.code).toBe("QDRANT_AUTH_FAILED");
        expect(result.error?.message).toContain("Check the API key");
        expect(result.error?.message).not.toContain("fix the migration");
      } finally {
        await m.close();
      }
    });
  });
});
