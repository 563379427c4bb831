import { defineConfig } from "./src/index.js";

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
