// In your project: import { defineConfig } from "qdrant-migrate/define";
// That entry point (here, its source) loads no database driver and nothing of
// the engine, so reading the config costs little when a container starts with
// nothing to migrate. Importing the whole package (./src/index.js here) made
// every no-op `up` in this repository transpile the whole source tree.
import { defineConfig } from "./src/define.js";

/**
 * The config `qdrant-migrate` loads from this folder. Connection settings come
 * from the environment (or a `.env` file): DATABASE_URL, QDRANT_URL and
 * QDRANT_API_KEY, so no secret is committed.
 */
export default defineConfig({
  migrations: "migrations/*.ts",
  postgres: { schema: "public", tablePrefix: "qdrant_" },
  qdrant: { timeoutMs: 30_000 },
  snapshots: { keep: 3 },
  lock: { timeoutMs: 60_000 },
});
