import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "qdrant-server",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
