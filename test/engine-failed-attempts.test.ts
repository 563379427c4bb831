import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition, type RunResult } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 15: a failing migration runs once per failure, not once per waiting
// runner, and its rolled-back attempts do not pile up snapshots.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

/** Upserts into `collection`, awaits `ran`, then fails. */
const failingUpsert = (collection: string, ran: () => Promise<void>): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.upsert(collection, { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
        await ran();
        throw new Error("the step is broken");
      },
      down: async () => {},
    },
  });

describe("failed attempts", () => {
  it("runners that waited for the lock do not retry a migration that failed in the run they waited for", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    let runs = 0;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstRunning: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      firstRunning = resolve;
    });
    engine.addMigration(
      "001_broken",
      failingUpsert(collection, async () => {
        runs++;
        firstRunning();
        await released;
      }),
    );
    const first = engine.migrator().up();
    await running;
    const waiting: Promise<RunResult>[] = [];
    const allWaiting: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) {
      let waits: () => void = () => {};
      allWaiting.push(
        new Promise((resolve) => {
          waits = resolve;
        }),
      );
      const m = engine.migrator({
        onEvent: (e) => {
          if (e.type === "lock-waiting") waits();
        },
      });
      waiting.push(m.up());
    }
    await Promise.all(allWaiting);
    release();

    expect((await first).error?.code).toBe("MIGRATION_FAILED");
    for (const result of await Promise.all(waiting)) {
      expect(result.error?.code).toBe("MIGRATION_FAILED_WHILE_WAITING");
      expect(result.error?.message).toContain("001_broken");
      expect(result.results).toEqual([]);
    }
    expect(runs).toBe(1);
    expect((await qdrant.client.listShardSnapshots(collection, 0)).length).toBe(1);
  });

  it("a later run, which did not wait for the failed one, retries it", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    let runs = 0;
    engine.addMigration(
      "001_broken",
      failingUpsert(collection, async () => {
        runs++;
      }),
    );
    expect((await engine.migrator().up()).error?.code).toBe("MIGRATION_FAILED");
    expect((await engine.migrator().up()).error?.code).toBe("MIGRATION_FAILED");
    expect(runs).toBe(2);
  });

  it("retention prunes the snapshots of rolled-back attempts", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    engine.addMigration(
      "001_broken",
      failingUpsert(collection, async () => {}),
    );
    const m = engine.migrator({}, { keep: 1 });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await m.up()).error?.code).toBe("MIGRATION_FAILED");
    }
    expect((await qdrant.client.listShardSnapshots(collection, 0)).length).toBe(1);
  });
});
