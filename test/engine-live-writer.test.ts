import { describe, expect, it } from "vitest";
import type { MigratorEvent } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { IN_PLACE_VECTORS, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

const inPlace = await needsQdrant(IN_PLACE_VECTORS);

// An app that keeps writing while migrations run: schema-only changes need no
// snapshot and no quiet collection, and neither block nor lose its writes.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);

describe("migrating under a live writer", () => {
  it.skipIf(inPlace.skip)(
    `adds a payload index and a named vector while the app writes, and loses none of its points${inPlace.reason}`,
    async () => {
      const collection = uniqueName("live");
      await qdrant.client.createCollection(collection, {
        vectors: { text: { size: 2, distance: "Dot" } },
      });
      await qdrant.client.upsert(collection, {
        wait: true,
        points: Array.from({ length: 100 }, (_, i) => ({ id: i + 1, vector: { text: [i, 1] } })),
      });
      await engine.project.writeMigration(
        "001_schema",
        `export default { qdrant: {
        up: async ({ qdrant }) => {
          await qdrant.createPayloadIndex("${collection}", { field_name: "user_id", field_schema: "keyword" });
          await qdrant.createVectorName("${collection}", "emotion", { dense: { size: 2, distance: "Cosine" } });
        },
        down: async () => {},
      } };`,
      );
      let running = true;
      let written = 0;
      const writer = (async () => {
        while (running) {
          written++;
          await qdrant.client.upsert(collection, {
            wait: true,
            points: [
              { id: 1000 + written, vector: { text: [1, written] }, payload: { user_id: "u" } },
            ],
          });
        }
      })();
      const events: MigratorEvent[] = [];
      try {
        const result = await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
        expect(result.error).toBeUndefined();
      } finally {
        running = false;
        await writer;
      }
      expect(written).toBeGreaterThan(0);
      expect(events.filter((e) => e.type === "snapshot-taking")).toEqual([]);
      const info = await qdrant.client.getCollection(collection);
      expect(Object.keys(info.payload_schema)).toContain("user_id");
      expect(Object.keys(info.config.params.vectors ?? {}).sort()).toEqual(["emotion", "text"]);
      expect((await qdrant.client.count(collection, { exact: true })).count).toBe(100 + written);
    },
  );

  it("rolls a failed schema-only migration back by its inverse, keeping what the app wrote meanwhile", async () => {
    const collection = uniqueName("live_fail");
    await qdrant.client.createCollection(collection, { vectors: { size: 2, distance: "Dot" } });
    await engine.project.writeMigration(
      "001_schema",
      `export default {
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createPayloadIndex("${collection}", { field_name: "user_id", field_schema: "keyword" });
          },
          down: async () => {},
        },
        verify: async () => { throw new Error("verify says no"); },
      };`,
    );
    let running = true;
    let written = 0;
    const writer = (async () => {
      while (running) {
        written++;
        await qdrant.client.upsert(collection, {
          wait: true,
          points: [{ id: written, vector: [1, written] }],
        });
      }
    })();
    try {
      const result = await engine.migrator().up();
      expect(result.error?.code).toBe("MIGRATION_FAILED");
    } finally {
      running = false;
      await writer;
    }
    const info = await qdrant.client.getCollection(collection);
    expect(info.payload_schema).toEqual({});
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(written);
  });
});
