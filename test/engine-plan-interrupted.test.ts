import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);

describe("up --dry-run after an interrupted run", () => {
  it("lists the interrupted migration that up would restore and apply again, saying so", async () => {
    const collection = uniqueName("docs");
    const path = await engine.project.writeMigration(
      "001_create",
      `export default {
        collections: ["${collection}"],
        qdrant: {
          up: async ({ qdrant }) => { await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } }); },
          down: async ({ qdrant }) => { await qdrant.deleteCollection("${collection}"); },
        },
      };`,
    );
    // A runner died mid-run: its journal row stays in_progress, with nothing recorded yet.
    await engine.migrator().status(); // creates the journal tables
    const checksum = createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
    await queryRows(
      db.url,
      `INSERT INTO "${engine.prefix}migrations" (name, checksum, direction, status)
       VALUES ('001_create', $1, 'up', 'in_progress')`,
      [checksum],
    );

    const plan = await engine.migrator().plan();
    expect(plan).toEqual([
      expect.objectContaining({ name: "001_create", recovers: true, creates: [collection] }),
    ]);

    const result = await engine.migrator().up();
    expect(result.error).toBeUndefined();
    expect(result.recovered).toEqual(["001_create"]);
    expect(result.results.map((r) => r.name)).toEqual(["001_create"]);
  });
});
