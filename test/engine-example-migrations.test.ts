import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/resolve-config.js";
import { createMigrator } from "../src/engine/migrator.js";
import { REPO_ROOT } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

async function columns(table: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name",
      [table],
    );
    return rows.map((r) => r.column_name);
  } finally {
    await client.end();
  }
}

describe("the repository's example migrations, through the engine", () => {
  it("run up, down to zero, and up again", async () => {
    // They create the fixed collection `documents`: this file's Qdrant must not have it yet.
    expect((await qdrant.client.collectionExists("documents")).exists).toBe(false);
    const config = resolveConfig(
      {
        migrations: "migrations/*.ts",
        postgres: { url: db.url, tablePrefix: `${uniqueName("qm").toLowerCase()}_` },
        qdrant: { url: qdrant.url, apiKey: qdrant.apiKey },
      },
      { rootDir: REPO_ROOT, env: {} },
    );
    expect(config.migrations.dir).toBe(join(REPO_ROOT, "migrations"));
    const migrator = createMigrator(config);
    try {
      const first = await migrator.up();
      expect(first.error).toBeUndefined();
      expect(first.results.map((r) => r.status)).toEqual(["success", "success"]);
      expect(await columns("documents")).toContain("title");
      const info = await qdrant.client.getCollection("documents");
      expect(Object.keys(info.config.params.vectors ?? {}).sort()).toEqual(["text", "title"]);
      expect((await migrator.status()).collections).toEqual([
        expect.objectContaining({ collectionName: "documents", schemaVersion: 2 }),
      ]);

      const down = await migrator.down({ to: 0 });
      expect(down.error).toBeUndefined();
      expect(down.results.map((r) => r.status)).toEqual(["success", "success"]);
      expect(await columns("documents")).toEqual([]);
      expect((await qdrant.client.collectionExists("documents")).exists).toBe(false);
      expect((await migrator.status()).collections).toEqual([]);

      const again = await migrator.up();
      expect(again.error).toBeUndefined();
      expect((await migrator.check()).ok).toBe(true);
    } finally {
      await migrator.close();
      await qdrant.client.deleteCollection("documents");
    }
  });
});
