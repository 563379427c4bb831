import type { MigrationDefinition } from "../migration/define-migration.js";
import type { ConcurrentWritesPolicy, RollbackRestore } from "./rollback-options.js";

export {
  CONCURRENT_WRITES_POLICIES,
  type ConcurrentWritesPolicy,
  ROLLBACK_RESTORE_MODES,
  type RollbackRestore,
} from "./rollback-options.js";

/** One migration given in code: its journal `name` and its definition. */
export interface MigrationEntry {
  /** The migration's identity in the journal; sorted in byte order, as file names are. */
  name: string;
  migration: MigrationDefinition;
}

/**
 * Migrations given in code instead of files, as Kysely's `MigrationProvider`
 * and Umzug's `migrations` array: for an application that bundles its code,
 * and for tests. A function is called each time a command lists the
 * migrations, and may be async.
 */
export type MigrationsProvider =
  | readonly MigrationEntry[]
  | (() => readonly MigrationEntry[] | Promise<readonly MigrationEntry[]>);

/** What a `umzug.config.ts` may set. Every field is optional; see `resolveConfig` for defaults. */
export interface QdrantMigrateConfig {
  /**
   * Glob of migration files, relative to the config file's folder (default
   * `migrations/*.{ts,js,mjs}`); or the migrations themselves, in code: an
   * array of `{ name, migration }` or a (sync or async) function returning
   * one. See docs/authoring.md, "Migrations in code".
   */
  migrations?: string | MigrationsProvider;
  /**
   * The declared Qdrant schema file (`defineSchema`), relative to the config
   * file's folder. Default: `qdrant.schema.ts` (or `.mts`, `.js`, `.mjs`) there, if any.
   */
  schema?: string;
  postgres?: {
    /**
     * Connection URL (`postgres://` or `postgresql://`). Default: env
     * `DATABASE_URL`. Used for everything unless `directUrl` is set.
     */
    url?: string;
    /**
     * A URL that reaches Postgres directly (or through a session-mode pooler),
     * for migrations, the migration lock and the journal, as Prisma's
     * `directUrl`: the application keeps its pooled `url`. Default: env
     * `DIRECT_DATABASE_URL`, else `url`. See docs/operations.md for which
     * poolers need it.
     */
    directUrl?: string;
    /** Schema holding the journal tables. Default `public`. */
    schema?: string;
    /**
     * Prefix of the journal tables (`<prefix>migrations`, `<prefix>migration_runs`,
     * `<prefix>schema_versions`). Default `qdrant_`.
     */
    tablePrefix?: string;
    /**
     * `lock_timeout` of each migration's Postgres transaction, in milliseconds:
     * a statement that waits longer for a lock another session holds (an
     * `ALTER TABLE` behind an application's long query) fails with
     * `POSTGRES_LOCK_TIMEOUT`, naming what it waited on, and the migration is
     * rolled back. Default: the server's `lock_timeout` (usually none).
     */
    lockTimeoutMs?: number;
  };
  qdrant?: {
    /** Base URL (`http://` or `https://`). Default: env `QDRANT_URL`, else `http://localhost:6333`. */
    url?: string;
    /** API key. Default: env `QDRANT_API_KEY`. */
    apiKey?: string;
    /** Timeout of each Qdrant request in milliseconds. Default 30000. */
    timeoutMs?: number;
    /**
     * On a cluster: each peer's REST URL, keyed by peer id (`"8122216558877355"`)
     * or p2p URI (`"http://qdrant-1:6335"`), as `GET /cluster` lists them. Every
     * peer that holds a replica of a collection a migration changes must be named,
     * so its shards can be snapshotted and restored on it. Not needed on a single node.
     */
    peers?: Record<string, string>;
    /**
     * The aliases that are this project's: names or glob patterns (`*`, `?`),
     * such as `["docs", "docs_*"]`. `check` reports drift in these only, so
     * aliases the application makes itself are not drift. Default: the aliases
     * a migration created or changed, as the journal records them.
     */
    managedAliases?: string[];
  };
  snapshots?: {
    /** Snapshots kept per collection after each run of a migration. Default 3. */
    keep?: number;
  };
  lock?: {
    /** How long to wait for another runner's lock, in milliseconds. Default 60000. */
    timeoutMs?: number;
  };
  rollback?: {
    /**
     * What undoing a migration does with writes others (an app, a job) made
     * to a collection after the migration snapshotted it: `refuse` (default)
     * restores nothing and names them; `discard` restores the snapshot, losing
     * them; `keep` puts back only the points the migration wrote. A
     * migration's own `concurrentWrites`, and the CLI's `--concurrent-writes`, win.
     */
    concurrentWrites?: ConcurrentWritesPolicy;
    /**
     * How a collection the migration wrote points of is put back: `side-copy`
     * (default) reads its snapshot into a side collection and writes back only
     * the points the migration touched, while it keeps answering; `in-place`
     * recovers its shard snapshots over it (Qdrant's own recover: faster, but
     * its searches fail while each shard recovers, and every write since the
     * snapshot, others' too, is lost unchecked; under `concurrentWrites:
     * "keep"` the side copy is used anyway). See docs/operations.md.
     */
    restore?: RollbackRestore;
  };
  steps?: {
    /**
     * Time limit of each migration step (postgres, qdrant, verify), in
     * milliseconds; a migration's own `timeoutMs` wins. Default: none.
     */
    timeoutMs?: number;
  };
}

/**
 * Returns `config` unchanged; it exists so config files get type checking and
 * completion, and is what `createMigrator` takes in code.
 *
 * @example
 * // umzug.config.ts
 * import { defineConfig } from "qdrant-migrate/define";
 * export default defineConfig({
 *   migrations: "migrations/*.ts",
 *   postgres: { url: process.env.DATABASE_URL },
 *   qdrant: { url: process.env.QDRANT_URL, apiKey: process.env.QDRANT_API_KEY },
 * });
 */
export function defineConfig(config: QdrantMigrateConfig): QdrantMigrateConfig {
  return config;
}
