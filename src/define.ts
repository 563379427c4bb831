/**
 * `qdrant-migrate/define`: what config, schema and migration files need, and nothing
 * else. It loads no database driver, so a container that starts with nothing
 * to migrate does not pay for one while reading its config.
 */

export type { CollectionSpec } from "./collection-schema/create-body.js";
export {
  defineConfig,
  type MigrationEntry,
  type MigrationsProvider,
  type QdrantMigrateConfig,
} from "./config/define-config.js";
export {
  type DeclaredCollection,
  type DeclaredSchema,
  type DeclaredTemplate,
  defineSchema,
} from "./declared-schema/define-schema.js";
export {
  defineMigration,
  type MigrationDatabase,
  type MigrationDefinition,
  type MigrationLogger,
  type MigrationStep,
  type StepContext,
  type StepEngine,
  type StepProgress,
} from "./migration/define-migration.js";
export type { SchemaToolkit } from "./toolkit/schema-toolkit.js";
