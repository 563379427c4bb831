import { describe, expect, it } from "vitest";
import { createMigrator } from "../src/engine/migrator.js";
import { runCrashRunner } from "./harness/child.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

/**
 * Kill points, in protocol order. "mid-qdrant-step" is a kill from inside the
 * migration's Qdrant step, after its first write.
 */
const killPoints = [
  { at: "migration-start", recovers: false, label: "before the journal row" },
  { at: "snapshot-taking", recovers: true, label: "before the snapshot" },
  { at: "snapshot-taken", recovers: true, label: "after the snapshot" },
  { at: "mid-qdrant-step", recovers: true, label: "in the middle of the Qdrant step" },
  { at: "before-commit", recovers: true, label: "before the commit" },
  { at: "committed", recovers: false, label: "after the commit" },
] as const;

describe("crash recovery: a runner SIGKILLed at any step", () => {
  it.each(killPoints)(
    "$label: the next run ends consistent, nothing lost",
    async ({ at, recovers }) => {
      const project = await makeProject({
        postgres: db.url,
        qdrant: qdrant.url,
        apiKey: qdrant.apiKey,
      });
      const prefix = uniqueName("qm").toLowerCase();
      const table = uniqueName("t");
      const collection = uniqueName("docs");
      const created = uniqueName("created");
      await queryRows(db.url, `CREATE TABLE "${table}" (id integer primary key)`);
      await queryRows(db.url, `INSERT INTO "${table}" VALUES (1), (2)`);
      await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
      await qdrant.client.upsert(collection, {
        wait: true,
        points: [
          { id: 1, vector: [1, 0, 0, 0], payload: { v: "old" } },
          { id: 2, vector: [0, 1, 0, 0], payload: { v: "old" } },
        ],
      });
      await project.writeMigration(
        "001_crashy",
        `export default {
        postgres: {
          up: async ({ db }) => {
            await db.schema.alterTable("${table}").addColumn("note", "text").execute();
            await db.insertInto("${table}").values({ id: 3, note: "new" }).execute();
          },
          down: async () => {},
        },
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.setPayload("${collection}", { points: [1, 2], payload: { v: "new" } });
            if (process.env.QM_KILL_MID === "1") process.kill(process.pid, "SIGKILL");
            await qdrant.upsert("${collection}", { points: [{ id: 3, vector: [0, 0, 1, 0], payload: { v: "new" } }] });
            await qdrant.createCollection("${created}", { vectors: { size: 4, distance: "Dot" } });
          },
          down: async () => {},
        },
      };`,
      );
      const config = project.config({ tablePrefix: `${prefix}_` });

      const child = await runCrashRunner([JSON.stringify(config), at], {
        env: { QM_KILL_MID: at === "mid-qdrant-step" ? "1" : "0" },
      });
      expect(child.signal).toBe("SIGKILL");

      const migrator = createMigrator(config);
      try {
        const result = await migrator.up();
        expect(result.error).toBeUndefined();
        expect(result.recovered).toEqual(recovers ? ["001_crashy"] : []);
        expect(result.results.map((r) => r.name)).toEqual(at === "committed" ? [] : ["001_crashy"]);
        const [record] = await migrator.history();
        expect(record?.status).toBe("applied");
      } finally {
        await migrator.close();
      }
      // Applied exactly once, nothing of the original data lost.
      expect(await queryRows(db.url, `SELECT id, note FROM "${table}" ORDER BY id`)).toEqual([
        { id: 1, note: null },
        { id: 2, note: null },
        { id: 3, note: "new" },
      ]);
      const { points } = await qdrant.client.scroll(collection, { limit: 10, with_payload: true });
      expect(points.map((p) => [p.id, p.payload])).toEqual([
        [1, { v: "new" }],
        [2, { v: "new" }],
        [3, { v: "new" }],
      ]);
      expect((await qdrant.client.collectionExists(created)).exists).toBe(true);
      const { collections } = await qdrant.client.getCollections();
      expect(collections.filter((c) => c.name.includes("__qm_"))).toEqual([]);
    },
  );
});

describe("crash recovery: a journal row from before per-replica snapshots", () => {
  it("refuses with SNAPSHOT_RESTORE_FAILED naming the collection, and leaves the row for repair", async () => {
    const project = await makeProject({
      postgres: db.url,
      qdrant: qdrant.url,
      apiKey: qdrant.apiKey,
    });
    const prefix = `${uniqueName("qm").toLowerCase()}_`;
    const collection = uniqueName("docs");
    await project.writeMigration("001_old", "export default { qdrant: { up: async () => {} } };");
    const migrator = createMigrator(project.config({ tablePrefix: prefix }));
    try {
      expect((await migrator.status()).migrations).toHaveLength(1); // creates the journal tables
      const legacy = [
        {
          collection,
          snapshot: `${collection}-1.snapshot`,
          pointsCount: 2,
          takenAt: "2026-01-01T00:00:00Z",
        },
      ];
      await queryRows(
        db.url,
        `INSERT INTO "${prefix}migrations" (name, checksum, direction, status, snapshots)
         VALUES ('001_old', 'x', 'up', 'in_progress', $1::jsonb)`,
        [JSON.stringify(legacy)],
      );
      const result = await migrator.up();
      expect(result.error?.code).toBe("SNAPSHOT_RESTORE_FAILED");
      expect(result.error?.message).toContain(`"${collection}"`);
      expect(result.error?.message).toContain("earlier qdrant-migrate");
      expect((await migrator.history())[0]?.status).toBe("in_progress");
    } finally {
      await migrator.close();
    }
  });
});
