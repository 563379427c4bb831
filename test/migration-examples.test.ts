import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverMigrations } from "../src/migration/discover.js";
import { loadMigration } from "../src/migration/import-migration.js";
import { REPO_ROOT } from "./harness/child.js";

// The example migrations as files; what they do in both stores, on every
// supported Qdrant, is test/engine-example-migrations.test.ts.
describe("example migrations", () => {
  // Loading them transpiles the package's source through jiti: seconds on a loaded host.
  it("are discovered in order, skip the _ helper files, and are all reversible", {
    timeout: 120_000,
  }, async () => {
    const files = await discoverMigrations({ pattern: "*.ts", dir: join(REPO_ROOT, "migrations") });
    const migrations = await Promise.all(
      files.map(async (file) => ({ name: file.name, def: await loadMigration(file) })),
    );
    expect(migrations.map((m) => m.name)).toEqual([
      "20260101000000_bot_memory_collections",
      "20260102000000_relationship_vector",
      "20260103000000_content_embedding_v2",
      "20260104000000_import_chroma_documents",
    ]);
    for (const { def } of migrations) {
      expect(def.postgres?.down).toBeTypeOf("function");
      expect(def.qdrant?.down).toBeTypeOf("function");
    }
  });
});
