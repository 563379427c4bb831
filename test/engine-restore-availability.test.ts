import { describe, expect, it } from "vitest";
import type { MigratorEvent } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Restore without downtime: a rollback recovers each shard in place, so the
// name the app uses (the collection and its alias) answers throughout.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);

describe("restoring a collection from its snapshots", () => {
  it("keeps the collection and its alias answering queries throughout the rollback", async () => {
    const collection = uniqueName("avail");
    const alias = uniqueName("avail_alias");
    await qdrant.client.createCollection(collection, { vectors: { size: 8, distance: "Cosine" } });
    for (let batch = 0; batch < 4; batch++) {
      await qdrant.client.upsert(collection, {
        wait: true,
        points: Array.from({ length: 500 }, (_, i) => ({
          id: batch * 500 + i + 1,
          vector: Array.from({ length: 8 }, (_, k) => ((i + k) % 7) + 1),
          payload: { batch },
        })),
      });
    }
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: collection, alias_name: alias } }],
    });
    await engine.project.writeMigration(
      "001_breaks",
      `export default {
        qdrant: {
          up: async ({ qdrant }) => { await qdrant.delete("${collection}", { filter: { must: [{ key: "batch", match: { value: 0 } }] } }); },
          down: async () => {},
        },
        verify: async () => { throw new Error("verify says no"); },
      };`,
    );

    let restoring = false;
    let done = false;
    const failures: string[] = [];
    let queriesWhileRestoring = 0;
    const poll = (async () => {
      while (!done) {
        for (const name of [collection, alias]) {
          const during = restoring;
          try {
            await qdrant.client.query(name, { query: [1, 2, 3, 4, 5, 6, 7, 1], limit: 3 });
            if (during) queriesWhileRestoring++;
          } catch (error) {
            failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
    })();
    const onEvent = (e: MigratorEvent) => {
      if (e.type === "rolling-back") restoring = true;
      if (e.type === "rolled-back") restoring = false;
    };
    const result = await engine.migrator({ onEvent }).up();
    done = true;
    await poll;
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(2000);
    expect(failures).toEqual([]);
    expect(queriesWhileRestoring).toBeGreaterThan(0);
  });
});
