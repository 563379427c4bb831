import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type {
  ConcurrentWritesPolicy,
  MigrationsProvider,
  RollbackRestore,
} from "../../src/config/define-config.js";
import { type ResolvedConfig, resolveConfig } from "../../src/config/resolve-config.js";

export interface TestProject {
  dir: string;
  migrationsDir: string;
  /** Writes `migrations/<name>.mjs` with the given module source. */
  writeMigration(name: string, source: string): Promise<string>;
  /** The resolved config of this project (no config file; explicit URLs). */
  config(overrides?: {
    tablePrefix?: string;
    lockTimeoutMs?: number;
    keep?: number;
    stepTimeoutMs?: number;
    /** `postgres.lockTimeoutMs`: `lock_timeout` of each migration's transaction. */
    postgresLockTimeoutMs?: number;
    /** `qdrant.peers`: peer id → REST URL, for a cluster. */
    peers?: Record<string, string>;
    /** `rollback.concurrentWrites`. */
    concurrentWrites?: ConcurrentWritesPolicy;
    /** `rollback.restore`. */
    restore?: RollbackRestore;
    /** `qdrant.managedAliases`: the aliases `check` compares. */
    managedAliases?: string[];
    /** Migrations given in code instead of the `migrations/` folder. */
    migrations?: MigrationsProvider;
  }): ResolvedConfig;
}

/** Project folders made by the importing test file, removed after it. */
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A throwaway project folder for engine tests: its own `migrations/`, and a
 * config pointing at the test file's database and Qdrant. Removed after the
 * test file that made it.
 */
export async function makeProject(urls: {
  postgres: string;
  qdrant: string;
  apiKey?: string;
}): Promise<TestProject> {
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-project-"));
  made.push(dir);
  const migrationsDir = join(dir, "migrations");
  await mkdir(migrationsDir);
  return {
    dir,
    migrationsDir,
    async writeMigration(name, source) {
      const path = join(migrationsDir, `${name}.mjs`);
      await writeFile(path, source);
      return path;
    },
    config(overrides = {}) {
      return resolveConfig(
        {
          migrations: overrides.migrations ?? "migrations/*.{ts,js,mjs}",
          postgres: {
            url: urls.postgres,
            tablePrefix: overrides.tablePrefix ?? "qdrant_",
            ...(overrides.postgresLockTimeoutMs
              ? { lockTimeoutMs: overrides.postgresLockTimeoutMs }
              : {}),
          },
          qdrant: {
            url: urls.qdrant,
            apiKey: urls.apiKey,
            timeoutMs: 10_000,
            ...(overrides.peers ? { peers: overrides.peers } : {}),
            ...(overrides.managedAliases ? { managedAliases: overrides.managedAliases } : {}),
          },
          lock: { timeoutMs: overrides.lockTimeoutMs ?? 20_000 },
          snapshots: { keep: overrides.keep ?? 3 },
          ...(overrides.stepTimeoutMs ? { steps: { timeoutMs: overrides.stepTimeoutMs } } : {}),
          rollback: {
            ...(overrides.concurrentWrites ? { concurrentWrites: overrides.concurrentWrites } : {}),
            ...(overrides.restore ? { restore: overrides.restore } : {}),
          },
        },
        { rootDir: dir, env: {} },
      );
    },
  };
}
