import { defineConfig } from "vitest/config";
import { sourceAliases } from "./test/setup/source-aliases.js";

export default defineConfig({
  test: {
    // One run, one report, over the core and every workspace package.
    projects: [
      {
        resolve: { alias: sourceAliases },
        test: {
          name: "qdrant-migrate",
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/setup/global.ts", "test/setup/bundles.ts"],
          // A temporary directory per test file, checked empty after it.
          setupFiles: ["test/setup/temp-dir.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Test files run in parallel, each against its own database.
          pool: "forks",
        },
      },
      "packages/*",
    ],
  },
});
