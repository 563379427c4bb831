/**
 * What undoing a migration does with writes others made to a collection after
 * the migration snapshotted it (see `rollback.concurrentWrites`).
 */
export type ConcurrentWritesPolicy = "refuse" | "discard" | "keep";

export const CONCURRENT_WRITES_POLICIES: readonly ConcurrentWritesPolicy[] = [
  "refuse",
  "discard",
  "keep",
];

/** What a `umzug.config.ts` may set. Every field is optional; see `resolveConfig` for defaults. */
export interface QdrantMigrateConfig {
  /** Glob of migration files, relative to the config file's folder. Default `migrations/*.{ts,js,mjs}`. */
  migrations?: string;
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
  };
  steps?: {
    /**
     * Time limit of each migration step (postgres, qdrant, verify), in
     * milliseconds; a migration's own `timeoutMs` wins. Default: none.
     */
    timeoutMs?: number;
  };
}

/** Returns `config` unchanged; it exists so config files get type checking and completion. */
export function defineConfig(config: QdrantMigrateConfig): QdrantMigrateConfig {
  return config;
}
