import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/resolve-config.js";
import { createMigrator } from "../src/engine/migrator.js";
import { REPO_ROOT } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { IN_PLACE_VECTORS, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

// The examples add named vectors in place, so they need Qdrant 1.18+
// (migrations/_in-place-vectors.ts refuses older servers before any change).
const inPlace = await needsQdrant(IN_PLACE_VECTORS);

const db = useTestDatabase();
const qdrant = useQdrant();
const COLLECTIONS = ["knowledge_base", "memory_elena", "memory_marcus"];

async function scalar(query: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string | null }>(query);
    return rows[0]?.v ?? null;
  } finally {
    await client.end();
  }
}

async function existing(): Promise<string[]> {
  const { collections } = await qdrant.client.getCollections();
  return collections
    .map((c) => c.name)
    .filter((name) => COLLECTIONS.includes(name))
    .sort();
}

describe("the repository's example migrations, through the engine", () => {
  it.skipIf(inPlace.skip)(
    `run up, down to zero, and up again, with every collection versioned and counts verified${inPlace.reason}`,
    async () => {
      // They create fixed collections: this file's Qdrant must not have them yet.
      expect(await existing()).toEqual([]);
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
        expect(first.results.map((r) => r.status)).toEqual([
          "success",
          "success",
          "success",
          "success",
        ]);
        expect(
          await scalar("SELECT string_agg(content_vector, ',' ORDER BY id) AS v FROM bots"),
        ).toBe("content_v2,content_v2");
        expect(await scalar("SELECT count(*)::text AS v FROM knowledge_documents")).toBe("10");
        expect((await qdrant.client.count("knowledge_base", { exact: true })).count).toBe(10);
        const elena = await qdrant.client.getCollection("memory_elena");
        expect(Object.keys(elena.config.params.vectors ?? {}).sort()).toEqual([
          "content",
          "content_v2",
          "emotion",
          "relationship",
          "semantic",
        ]);
        expect(
          (await migrator.status()).collections.map((c) => [c.collectionName, c.schemaVersion]),
        ).toEqual([
          ["knowledge_base", 1],
          ["memory_elena", 3],
          ["memory_marcus", 3],
        ]);

        const down = await migrator.down({ to: 0 });
        expect(down.error).toBeUndefined();
        expect(down.results.map((r) => r.status)).toEqual([
          "success",
          "success",
          "success",
          "success",
        ]);
        expect(await scalar("SELECT to_regclass('bots')::text AS v")).toBeNull();
        expect(await scalar("SELECT to_regclass('knowledge_documents')::text AS v")).toBeNull();
        expect(await existing()).toEqual([]);
        expect((await migrator.status()).collections).toEqual([]);

        const again = await migrator.up();
        expect(again.error).toBeUndefined();
        expect(await existing()).toEqual(COLLECTIONS);
        // Their declared schema (qdrant.schema.ts beside them) matches what they produce.
        const check = await migrator.check();
        expect(check.declaredSchema).toEqual([]);
        expect(check.ok).toBe(true);
      } finally {
        await migrator.close();
        for (const c of COLLECTIONS) await qdrant.client.deleteCollection(c);
      }
    },
  );
});
