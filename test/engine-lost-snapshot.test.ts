import { describe, expect, it } from "vitest";
import type { ConcurrentWritesPolicy } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 27: a run whose snapshot was deleted behind its back says so, and
// `repair` finishes its row (restoring what it can, naming what it cannot),
// so nobody edits the journal by hand.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);

/**
 * Creates `<collection>_extra`, indexes `n`, deletes points 51..100, then
 * waits at the probe "deleted" and, unless `fixed`, throws.
 */
function deleteHalf(collection: string, opts: { fixed?: boolean } = {}): string {
  return `export default { qdrant: {
    up: async ({ qdrant }) => {
      await qdrant.createCollection("${collection}_extra", { vectors: { size: 4, distance: "Dot" } });
      await qdrant.createPayloadIndex("${collection}", { field_name: "n", field_schema: "integer" });
      await qdrant.delete("${collection}", { points: Array.from({ length: 50 }, (_, i) => 51 + i) });
      await globalThis.qmProbe?.("deleted");
      ${opts.fixed ? "" : 'throw new Error("fails after deleting half");'}
    },
    down: async () => {},
  } };`;
}

async function seeded(): Promise<string> {
  const collection = uniqueName("lost");
  await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: 100 }, (_, i) => ({ id: i + 1, vector: [1, 0, 0, i] })),
  });
  return collection;
}

describe("a run whose snapshot is deleted behind its back", () => {
  it.each<ConcurrentWritesPolicy>(["refuse", "discard"])(
    "repair --concurrent-writes %s finishes the row, undoing the rest and naming the collection, shard and points it could not restore; the next up succeeds",
    async (policy) => {
      const collection = await seeded();
      await engine.project.writeMigration("001_delete_half", deleteHalf(collection));
      let deleted = "";
      globalThis.qmProbe = async () => {
        const [file] = await qdrant.client.listShardSnapshots(collection, 0);
        deleted = file?.name ?? "";
        await qdrant.client.deleteShardSnapshot(collection, 0, deleted, { wait: true });
      };
      const m = engine.migrator();
      const failed = await m.up();
      expect(failed.error?.code).toBe("ROLLBACK_FAILED");
      expect(failed.error?.message).toContain(
        `its snapshot "${deleted}" is no longer on that peer`,
      );
      expect(failed.error?.message).toContain("Run `qdrant-migrate repair`");
      expect(failed.error?.message).not.toContain("deleted by `snapshots prune --force`");
      // `up` recovers nothing without it either, and says the same.
      const again = await m.up();
      expect(again.error?.code).toBe("ROLLBACK_FAILED");
      expect(again.error?.message).toContain("Run `qdrant-migrate repair`");
      // Its undo failed: recovered (by repair), never resumed.
      expect((await m.history())[0]?.status).toBe("undoing");

      const repaired = await m.repair({ concurrentWrites: policy });
      expect(repaired.recovered).toEqual(["001_delete_half"]);
      expect(repaired.cleared).toEqual(["001_delete_half"]);
      expect(repaired.unrestored).toEqual([
        {
          migration: "001_delete_half",
          collection,
          replicas: [{ peerId: expect.any(Number), shardId: 0, snapshot: deleted }],
          points: [{ collection, ids: Array.from({ length: 50 }, (_, i) => 51 + i) }],
          recreatedEmpty: false,
        },
      ]);
      // Everything else was undone: the created collection and the index are gone.
      expect((await qdrant.client.collectionExists(`${collection}_extra`)).exists).toBe(false);
      expect((await qdrant.client.getCollection(collection)).payload_schema).toEqual({});
      expect((await qdrant.client.count(collection, { exact: true })).count).toBe(50);
      const [run] = (await m.runs()).slice(-1);
      expect(run?.status).toBe("failed");
      expect(run?.error).toContain(`collection ${collection} not restored`);
      expect(run?.error).toContain("51, 52, 53");
      // Its runner stopped on the failed rollback; it did not die.
      expect(run?.error).not.toContain("died");

      globalThis.qmProbe = undefined;
      await engine.project.writeMigration(
        "001_delete_half",
        deleteHalf(collection, { fixed: true }),
      );
      expect((await m.up()).error).toBeUndefined();
      expect((await m.status()).migrations[0]?.state).toBe("applied");
    },
  );
});
